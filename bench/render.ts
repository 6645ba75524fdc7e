import { performance } from 'node:perf_hooks';
import { templatesDir } from '../app/services';
import { compileTemplate, renderCompiled, renderPerEmail } from '../mail/template-compiler';
import { createTemplateRenderer } from '../mail/template-renderer';
import { loadSample } from '../mail/template-samples';
import { listTemplateIds, loadTemplateSources } from '../mail/template-source';
import { benchNumber } from './bench-env';

// `npm run bench:render`: per-email render time of the shipped templates, compiled once versus
// Handlebars-then-MJML for every email, on the same templates × locales × samples in one run.
// ROUNDS=… changes how many emails each path renders per combination.

const rounds = benchNumber('ROUNDS', 2000);
const slowRounds = Math.max(20, Math.round(rounds / 50));

interface Timing {
  p50: number;
  p99: number;
  perSecond: number;
}

function summarise(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const total = samples.reduce((sum, value) => sum + value, 0);
  return { p50: at(0.5), p99: at(0.99), perSecond: (samples.length / total) * 1000 };
}

async function time(count: number, run: () => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return samples;
}

const once: number[] = [];
const perEmail: number[] = [];
const withRenderer: number[] = [];
const renderer = createTemplateRenderer({ dir: templatesDir });
const combinations: string[] = [];
for (const id of await listTemplateIds(templatesDir)) {
  const sources = await loadTemplateSources(templatesDir, id);
  for (const locale of sources.locales) {
    const compiled = await compileTemplate(sources, locale);
    for (const sample of sources.samples) {
      combinations.push(`${id}/${locale}/${sample}`);
      const data = await loadSample(sources, sample, { locale });
      await time(200, () => renderCompiled(compiled, data)); // warm-up
      once.push(...(await time(rounds, () => renderCompiled(compiled, data))));
      const keys = Array.from({ length: 16 }, (_, index) => `cart:bench:${id}-${index}:reminder`);
      let send = 0;
      const renderSend = () => renderer.render(id, data, { locale, variantKey: keys[send++ % keys.length] });
      await renderSend(); // reads and compiles this template version once
      withRenderer.push(...(await time(Math.round(rounds / 10), renderSend)));
      await time(3, () => renderPerEmail({ sources, compiled, data }));
      perEmail.push(...(await time(slowRounds, () => renderPerEmail({ sources, compiled, data }))));
    }
  }
}

const rows = [
  ['compiled once (Handlebars only)', summarise(once), once.length],
  [
    'renderer.render (what a send calls: files kept in memory, subject line from the send key)',
    summarise(withRenderer),
    withRenderer.length,
  ],
  ['MJML per email (Handlebars → MJML → html-to-text)', summarise(perEmail), perEmail.length],
] as const;
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
console.log(`${combinations.length} template × locale × sample combinations: ${combinations.join(', ')}`);
console.log('| path | renders | p50 | p99 | emails/s (one core) |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, timing, count] of rows) {
  console.log(
    `| ${name} | ${count} | ${fmt(timing.p50)} | ${fmt(timing.p99)} | ${Math.round(timing.perSecond).toLocaleString('en')} |`,
  );
}
const speedup = summarise(perEmail).p50 / summarise(once).p50;
console.log(`\ncompiled once is ${Math.round(speedup)}× faster at p50`);
