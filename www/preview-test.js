// Test page for the XSS browser test: renders profiles with a template into
// sandboxed iframes (scripts allowed, unique origin), using only the public
// package API. Any script a rendering manages to run reports itself with
// parent.postMessage('xss:…'), collected in window.xssReports.
import { init, Template } from './pkg/index.js';

window.xssReports = [];
window.addEventListener('message', (e) => {
  if (typeof e.data === 'string' && e.data.startsWith('xss:')) window.xssReports.push(e.data);
});

/** Renders every profile and every variant; returns the HTML strings. */
window.preview = (source, profiles, options) => {
  const t = Template.compile(source);
  const htmls = profiles.map((p) => t.render(p, options));
  for (const v of t.variants(profiles, options)) htmls.push(v.html);
  t.free();
  const box = document.getElementById('frames');
  box.replaceChildren();
  for (const html of htmls) {
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.srcdoc = html;
    box.append(frame);
  }
  return htmls;
};

await init();
window.previewReady = true;
