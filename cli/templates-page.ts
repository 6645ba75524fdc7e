/** The preview page of `cartflow templates serve`: one file, no build step, no dependencies. */
export const previewPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cartflow templates</title>
<style>
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; display: flex; min-height: 100vh; color: #222; }
  nav { width: 200px; background: #f4f4f4; padding: 12px; box-sizing: border-box; }
  nav h1 { font-size: 15px; margin: 0 0 12px; }
  nav a { display: block; padding: 4px 6px; color: inherit; text-decoration: none; border-radius: 4px; }
  nav a[aria-current="true"] { background: #1a73e8; color: #fff; }
  main { flex: 1; padding: 12px 16px; overflow: auto; }
  .controls label { margin-right: 12px; }
  #meta { margin: 10px 0; } #meta b { display: inline-block; width: 90px; }
  #errors { white-space: pre-wrap; color: #b00020; font-family: monospace; }
  .frames { display: flex; gap: 24px; align-items: flex-start; }
  figure { margin: 0; } figcaption { color: #666; margin-bottom: 4px; }
  iframe { border: 1px solid #ccc; height: 1400px; background: #fff; }
  /* On a phone the template list goes above the preview instead of beside it. */
  @media (max-width: 700px) { body { flex-direction: column; } nav { width: auto; } }
  #text { width: 600px; max-width: 100%; box-sizing: border-box; margin: 0; padding: 12px; border: 1px solid #ccc; background: #fff; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.5 ui-monospace, monospace; }
</style>
</head>
<body data-reloads="0">
<nav><h1>Templates</h1><div id="templates"></div></nav>
<main>
  <div class="controls">
    <label>Language <select id="locale"></select></label>
    <label>Sample <select id="sample"></select></label>
    <label>Subject <select id="variant"></select></label>
  </div>
  <div id="meta"><div><b>Subject</b><span id="subject"></span></div><div><b>Preheader</b><span id="preheader"></span></div><div><b>Version</b><span id="version"></span></div></div>
  <div id="errors"></div>
  <div class="frames">
    <figure><figcaption>Desktop, 600 px</figcaption><iframe id="desktop" title="desktop" width="600" sandbox></iframe></figure>
    <figure><figcaption>Phone, 375 px</figcaption><iframe id="phone" title="phone" width="375" sandbox></iframe></figure>
  </div>
  <figure><figcaption>Plain-text part (what text-only clients, watches and screen readers in text mode show)</figcaption><pre id="text" dir="auto"></pre></figure>
</main>
<script>
const $ = (id) => document.getElementById(id);
const state = { template: null, locale: null, sample: null, variant: '0' };
let list = [];

function options(select, values, labels) {
  select.replaceChildren(...values.map((value, i) => new Option(labels ? labels[i] : value, value)));
}

async function loadList() {
  list = await (await fetch('/api/templates')).json();
  if (!list.some((t) => t.id === state.template)) state.template = list[0] ? list[0].id : null;
  $('templates').replaceChildren(...list.map((t) => {
    const a = document.createElement('a');
    a.href = '#' + t.id; a.textContent = t.id; a.dataset.id = t.id;
    a.setAttribute('aria-current', String(t.id === state.template));
    a.onclick = (event) => { event.preventDefault(); state.template = t.id; state.locale = state.sample = null; state.variant = '0'; refresh(); };
    return a;
  }));
  const current = list.find((t) => t.id === state.template);
  if (!current || current.error) return;
  options($('locale'), current.locales);
  options($('sample'), current.samples, current.samples.map((s) => s.replace(/^samples\\//, '').replace(/\\.json$/, '')));
  options($('variant'), Array.from({ length: current.subjects }, (_, i) => String(i)), Array.from({ length: current.subjects }, (_, i) => 'variant ' + (i + 1)));
  for (const key of ['locale', 'sample', 'variant']) {
    if (state[key] !== null && [...$(key).options].some((o) => o.value === state[key])) $(key).value = state[key];
    state[key] = $(key).value;
  }
}

async function renderPreview() {
  const current = list.find((t) => t.id === state.template);
  if (!current) { $('errors').textContent = 'No templates.'; return; }
  if (current.error) { $('errors').textContent = current.error; return; }
  const query = new URLSearchParams({ template: state.template, locale: state.locale, sample: state.sample, variant: state.variant });
  const body = await (await fetch('/api/render?' + query)).json();
  $('errors').textContent = body.error || '';
  if (body.error) return;
  $('subject').textContent = body.subject;
  $('preheader').textContent = body.preheader;
  $('version').textContent = body.templateVersion + ' (' + body.locale + ')';
  $('desktop').srcdoc = body.html;
  $('phone').srcdoc = body.html;
  $('text').textContent = body.text;
}

async function refresh() {
  await loadList();
  await renderPreview();
  document.body.dataset.reloads = String(Number(document.body.dataset.reloads) + 1);
}

for (const key of ['locale', 'sample', 'variant']) $(key).onchange = () => { state[key] = $(key).value; refresh(); };
new EventSource('/events').onmessage = () => refresh();
refresh();
</script>
</body>
</html>
`;
