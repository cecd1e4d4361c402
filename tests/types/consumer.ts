// A TypeScript consumer of `kaleido`, compiled with `tsc --noEmit --strict` in
// `make test` (against pkg/index.d.ts) and inside the packed-tarball test
// (resolved through the package's exports map). It is never run: it checks that
// the declarations describe the API in /work/shared/API.md with real types.
import {
  init,
  version,
  KaleidoError,
  Segment,
  SegmentSet,
  Template,
  jsonLogic,
  inferSchema,
  Audience,
  Campaigns,
  assignVariant,
  formatNumber,
  formatCurrency,
  formatDate,
  pluralCategory,
  holidays,
  localSendTime,
  predict,
} from 'kaleido';
import type {
  CampaignProgramme,
  Diagnostic,
  ErrorKind,
  EvalOptions,
  Explanation,
  PluralCategory,
  Profile,
  RenderOptions,
  ScheduledMessage,
  Schema,
  SegmentAst,
  Variant,
} from 'kaleido';

export async function main(): Promise<void> {
  await init();
  await init(new URL('https://example.invalid/kaleido_bg.wasm'));
  await init(new Uint8Array(8));
  const v: string = version();

  const rule: Segment = Segment.parse('age >= 30', { schema: { age: 'number' } });
  const profile: Profile = { id: 1, age: 34, events: [{ type: 'purchase', at: '2025-01-01T00:00:00Z', amount: 3 }] };
  const options: EvalOptions = { asOf: new Date(), timeZone: 'Europe/Berlin' };
  const member: boolean = rule.test(profile, options);
  const tri: boolean | null = rule.evaluate({ age: 3 }, { asOf: '2025-01-31' });
  const why: Explanation = rule.explain(profile);
  const firstChild: Explanation | undefined = why.children?.[0];
  const ast: SegmentAst = rule.toJSON();
  const again: Segment = Segment.fromJSON(ast);
  const text: string = again.toString();
  const logic: unknown = rule.toJsonLogic();
  const fromLogic: Segment = Segment.fromJsonLogic({ '>=': [{ var: 'age' }, 30] });
  const diagnostics: Diagnostic[] = rule.check({ age: 'number', purchase: { event: { amount: 'number' } } });
  const severity: 'error' | 'warning' | undefined = diagnostics[0]?.severity;
  const set = new SegmentSet({ adults: 'age >= 18', vip: fromLogic });
  const names: string[] = set.names();
  rule.test(profile, { segments: set });
  const applied: unknown = jsonLogic.apply({ '+': [1, 2] });
  const schema: Schema = inferSchema([profile]);

  try {
    Segment.parse('age >=');
  } catch (e) {
    if (e instanceof KaleidoError) {
      const kind: ErrorKind = e.kind;
      const where: [number | undefined, number | undefined] = [e.line, e.column];
      const snippet: string | undefined = e.snippet;
      const data: [number | undefined, string | undefined] = [e.row, e.field];
      void [kind, where, snippet, data];
    }
  }
  const own = new KaleidoError('argument', 'bad', { field: 'x' });
  const asError: Error = own;

  const t: Template = Template.compile('Hello {{ first_name }}', { blocks: { footer: '--' } });
  const renderOptions: RenderOptions = { locale: 'vi-VN', currency: 'VND', asOf: '2025-01-01' };
  const html: string = t.render(profile, renderOptions);

  const audience: Audience = Audience.fromRecords([profile], { idField: 'id', onProgress: (done, total) => void [done, total] });
  const a2: Audience = Audience.fromCsv('id,age\n1,3', { delimiter: ',' });
  const a3: Audience = Audience.fromNdjson(new Uint8Array(0));
  audience.addEvents('{"id":1,"type":"open","at":"2025-01-01T00:00:00Z"}');
  const size: number = audience.size;
  const count: number = audience.count(rule, options);
  const ids: (string | number)[] = audience.members('age > 3', { offset: 0, limit: 10 });
  const overlap: { in: string[]; size: number }[] = audience.overlap([rule, 'age < 3']);
  const one: object | undefined = audience.profile(1);
  const variants: Variant[] = t.variants(audience);
  const tcheck: Diagnostic[] = t.check();

  const n: string = formatNumber(1234.5, 'de-DE', { maximumFractionDigits: 1 });
  const c: string = formatCurrency(3, 'EUR', 'fr-FR');
  const d: string = formatDate(new Date(), 'ja-JP', { style: 'long', time: true, timeZone: 'Asia/Tokyo' });
  const plural: PluralCategory = pluralCategory(2, 'ar');
  const hs: { date: string; name: string }[] = holidays('VN', 2025, { region: 'HN' });
  const at: string = localSendTime(profile, '09:00', { quietHours: ['21:00', '08:00'] });

  const fit = predict.fitBgNbd([{ frequency: 2, recency: 30, T: 60 }]);
  const r: number = fit.r + fit.alpha + fit.a + fit.b + fit.logLikelihood;
  const gg = predict.fitGammaGamma([{ frequency: 2, monetaryValue: 30 }]);
  const campaigns = new Campaigns([{ name: 'welcome' }], { segments: set });
  const schedule: ScheduledMessage[] = campaigns.simulate(profile, { from: '2025-01-01', to: '2025-02-01' });
  const perDay: { date: string; campaign: string; count: number }[] = campaigns.simulateAudience(audience, {
    from: '2025-01-01',
    to: '2025-02-01',
  });
  const variant: string = assignVariant('subject-test', 42, [{ name: 'A', weight: 1 }, { name: 'B', weight: 1 }]);
  const addressed: CampaignProgramme = {
    formality: 'informal',
    campaigns: [
      {
        name: 'notice',
        formality: { de: 'formal', default: 'informal' },
        schedule: { type: 'once', date: '2025-06-03', at: '09:00' },
        content: { subject: '{{ greeting() }}' },
      },
    ],
  };
  new Campaigns(addressed).free();
  // @ts-expect-error formality is 'formal' or 'informal'
  const badFormality: CampaignProgramme = { formality: 'formel', campaigns: [] };

  // The declarations are not `any`: each of these must be a type error.
  // @ts-expect-error kind is a closed union
  const badKind: ErrorKind = 'oops';
  // @ts-expect-error a profile is an object
  rule.test('not a profile');
  // @ts-expect-error evaluate may return null
  const notNull: boolean = rule.evaluate(profile);
  // @ts-expect-error asOf is a string or a Date
  rule.test(profile, { asOf: 12 });
  // @ts-expect-error schema field types are named
  Segment.parse('x', { schema: { age: 'int' } });
  // @ts-expect-error render returns a string
  const notNumber: number = t.render(profile);
  // @ts-expect-error Segment has no public constructor
  new Segment();

  // SQL (docs/sql.md).
  const sql: string = rule.toSql({
    dialect: 'spark',
    asOf: '2026-12-01',
    timeZone: 'Europe/Berlin',
    schema: { age: 'number' },
    tables: { profiles: 'crm.people', idColumn: 'person_id', properties: { json: 'props' } },
  });
  // @ts-expect-error the dialect is one of five names
  rule.toSql({ dialect: 'oracle' });
  // @ts-expect-error the dialect is required
  rule.toSql({ asOf: '2026-12-01' });
  void sql;

  void [v, member, tri, firstChild, text, logic, severity, names, applied, schema, asError, html, a2, a3, size];
  void [count, ids, overlap, one, variants, tcheck, n, c, d, plural, hs, at, r, gg, schedule, perDay, variant];
  void [badKind, notNull, notNumber];
}
