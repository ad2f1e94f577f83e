// bench/results/latest.md and latest.svg from one run's JSON. `node bench/report.js FILE.json`
// renders them again from a kept run (run.js calls writeReport after each run).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;

const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
const ms = (n) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const rate = (n) => Math.round(n).toLocaleString('en-US');

export function renderMarkdown({ machine, settings = {}, scenarios, signIn, signInTotp, memory, scale }) {
  const connections = settings.connections ?? 32;
  const seconds = settings.seconds ?? 5;
  const rounds = settings.rounds ?? 5;
  const load = machine.loadAverageAtEnd === undefined ? '' : `, at end ${machine.loadAverageAtEnd.toFixed(2)}`;
  const sliced = rounds > 1 ? ` in ${rounds} alternating slices of ${(seconds / rounds).toFixed(1)} s` : '';
  return [
    '# Benchmark results',
    '',
    `- ${machine.cpu}, ${machine.cores} cores; Node ${machine.node} on ${machine.platform}; load average at start ${machine.loadAverageAtStart.toFixed(2)}${load}; ${machine.date}`,
    `- Each server its own process${machine.pinned ? ' pinned to CPU 0, autocannon in another process pinned to CPU 1' : ' (no taskset: not pinned)'}; ${connections} connections, ${seconds} s per scenario and server${sliced}; node ${(settings.nodeFlags ?? []).join(' ') || '(no flags)'} for both; production settings, embedded SQLite, logs at warn`,
    '',
    ...(settings.bareStore && settings.bareStore !== 'memory'
      ? [`- **Diagnostic run**: bare oidc-provider on our ${settings.bareStore} store (BENCH_BARE_STORE), not its in-memory adapter`, '']
      : []),
    '| scenario | ours req/s | p50 / p99 | bare oidc-provider req/s | p50 / p99 | ours / bare |',
    '| --- | --- | --- | --- | --- | --- |',
    ...Object.entries(scenarios).map(
      ([name, { ours: o, bare: b, ratio }]) =>
        `| ${name} | ${rate(o.rps)} | ${o.p50} / ${o.p99} ms | ${rate(b.rps)} | ${b.p50} / ${b.p99} ms | ${ratio.toFixed(2)} |`,
    ),
    '',
    `| password sign-in (authorize → e-mail → password → code → token), bcrypt cost ${signIn.cost}, UV_THREADPOOL_SIZE ${signIn.threadpool} | value |`,
    '| --- | --- |',
    `| sign-ins/s | ${signIn.rps.toFixed(1)} (p50 ${ms(signIn.p50)}, p99 ${ms(signIn.p99)}) |`,
    ...(signInTotp
      ? [
          `| sign-ins/s with a TOTP code (one more page) | ${signInTotp.rps.toFixed(1)} (p50 ${ms(signInTotp.p50)}, p99 ${ms(signInTotp.p99)}) |`,
        ]
      : []),
    `| raw bcrypt.compare/s, same cost, threads${settings.hashingNice ? `, nice ${settings.hashingNice}` : ''} and CPU | ${signIn.bcryptRate.toFixed(1)} |`,
    `| sign-ins / raw bcrypt | ${signIn.ratio.toFixed(2)}${signInTotp ? ` (with TOTP ${signInTotp.ratio.toFixed(2)})` : ''} |`,
    `| /healthz beside the sign-ins, p50 / p99 | ${ms(signIn.healthz.p50)} / ${ms(signIn.healthz.p99)} |`,
    ...(signIn.eventLoopDelay
      ? [
          `| event-loop delay during the sign-ins, p50 / p99 / max | ${signIn.eventLoopDelay.p50} / ${signIn.eventLoopDelay.p99} / ${signIn.eventLoopDelay.max} ms |`,
        ]
      : []),
    '',
    '| memory (our server process) | value |',
    '| --- | --- |',
    `| idle RSS after start (bare oidc-provider: ${mb(memory.bareIdleRss)}) | ${mb(memory.idleRss)} |`,
    `| RSS after a 64-connection burst | ${mb(memory.afterBurstRss)} |`,
    `| peak RSS | ${mb(memory.peakRss)} |`,
    '',
    '| accounts | seeding (storage layer) | sign-in p50 / p99 (cost 4) | SQLite file |',
    '| --- | --- | --- | --- |',
    ...scale.map(
      (s) => `| ${rate(s.accounts)} | ${s.seedSeconds.toFixed(1)} s | ${ms(s.signInP50)} / ${ms(s.signInP99)} | ${mb(s.sqliteBytes)} |`,
    ),
    '',
  ].join('\n');
}

/** Bars of ours / bare per scenario, with the 1.0 line and the 0.85 target. */
export function ratioChart({ scenarios, signIn: s }) {
  const bars = [...Object.entries(scenarios).map(([name, { ratio }]) => [name, ratio]), ['sign-in / bcrypt', s.ratio]];
  const width = 560;
  const rowHeight = 28;
  const height = bars.length * rowHeight + 50;
  const x = (ratio) => 150 + Math.min(ratio, 1.5) * 250;
  const rows = bars
    .map(([name, ratio], i) => {
      const y = 20 + i * rowHeight;
      return `<text x="140" y="${y + 17}" text-anchor="end">${name}</text><rect x="150" y="${y + 4}" width="${x(ratio) - 150}" height="18" fill="#4a78b5"/><text x="${x(ratio) + 6}" y="${y + 17}">${ratio.toFixed(2)}</text>`;
    })
    .join('');
  const line = (ratio, label, dash) =>
    `<line x1="${x(ratio)}" y1="14" x2="${x(ratio)}" y2="${height - 24}" stroke="#333" stroke-dasharray="${dash}"/><text x="${x(ratio)}" y="${height - 8}" text-anchor="middle">${label}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">${rows}${line(1, '1.0 = bare oidc-provider', '')}${line(0.85, '0.85', '4 3')}</svg>\n`;
}

/** Writes latest.md and latest.svg; returns the markdown. */
export function writeReport(report) {
  const markdown = renderMarkdown(report);
  writeFileSync(path.join(here, 'results', 'latest.md'), markdown);
  writeFileSync(path.join(here, 'results', 'latest.svg'), ratioChart(report));
  return markdown;
}

if (process.argv[1] === import.meta.filename) {
  process.stdout.write(writeReport(JSON.parse(readFileSync(process.argv[2], 'utf8'))));
}
