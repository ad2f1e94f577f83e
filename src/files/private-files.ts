import { statSync } from 'node:fs';

/** A path whose mode lets someone other than its owner in. */
export interface ExposedPath {
  path: string;
  /** Octal, e.g. "0644". */
  mode: string;
}

/**
 * Of these paths, the existing ones whose mode has any of the `mask` bits (by default every
 * group and other bit). Symbolic links are followed: what counts is the file they reach.
 */
export function exposedPaths(paths: string[], mask = 0o077): ExposedPath[] {
  const exposed: ExposedPath[] = [];
  for (const path of paths) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      continue;
    }
    if (mode & mask) exposed.push({ path, mode: `0${mode.toString(8).padStart(3, '0')}` });
  }
  return exposed;
}
