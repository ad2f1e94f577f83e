/** The hosted pages' only stylesheet, served at /assets/idp.css (CSP allows styles from self only). */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #1f5fbf; --error: #b3261e; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
.card { width: min(26rem, 92vw); padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 15%, transparent); border-radius: 12px; }
h1 { margin-top: 0; font-size: 1.5rem; }
.subtitle, .identity, .detail { opacity: 0.8; }
label { display: block; margin: 1rem 0 0.3rem; font-weight: 600; }
input[type=email], input[type=password], input[type=text] { width: 100%; box-sizing: border-box; padding: 0.6rem; font-size: 1rem; border-radius: 6px; border: 1px solid GrayText; }
button { margin-top: 1rem; width: 100%; padding: 0.7rem; font-size: 1rem; border: 0; border-radius: 6px; background: var(--accent); color: white; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
button.link { background: none; color: var(--accent); padding: 0; width: auto; text-decoration: underline; }
button.choice { background: transparent; color: CanvasText; border: 1px solid GrayText; text-align: left; }
.error { color: var(--error); font-weight: 600; }
img.qr { display: block; margin: 1rem auto; image-rendering: pixelated; }
code.key { font-size: 1.1rem; letter-spacing: 0.05em; }
ul.codes { columns: 2; font-size: 1.05rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0.3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
.notice { color: var(--accent); font-weight: 600; }
a.button { display: block; text-align: center; padding: 0.7rem; border-radius: 6px; border: 1px solid var(--accent); color: var(--accent); text-decoration: none; font-weight: 600; }
`;
