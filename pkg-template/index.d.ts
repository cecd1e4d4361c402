// Type declarations for `kaleido`, written by hand and checked by a strict
// consumer file in the test suite. The contract is docs/API.md of the project.

// ---------------------------------------------------------------- set-up

/** Anything WebAssembly instantiation accepts as the module's source. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Loads the WebAssembly module. Idempotent (every call returns the same
 * promise); in Node it resolves at once. Browser pages call it once before
 * anything else.
 */
export function init(input?: InitInput | Promise<InitInput>): Promise<void>;

/** The library version, e.g. "0.1.0". */
export function version(): string;

/** What went wrong, in one word. */
export type ErrorKind =
  | 'parse'
  | 'type'
  | 'reference'
  | 'data'
  | 'template'
  | 'locale'
  | 'limit'
  | 'argument';

/** Optional positions carried by a {@link KaleidoError}. */
export interface KaleidoErrorDetails {
  line?: number;
  column?: number;
  row?: number;
  field?: string;
  snippet?: string;
}

/**
 * The error every Kaleido call throws. `e instanceof KaleidoError` is true for
 * errors thrown from WebAssembly as well.
 */
export class KaleidoError extends Error {
  constructor(kind: ErrorKind, message: string, details?: KaleidoErrorDetails);
  readonly name: 'KaleidoError';
  kind: ErrorKind;
  /** 1-based line in the text the error came from. */
  line?: number;
  /** 1-based column (in characters) in the text the error came from. */
  column?: number;
  /** 1-based row of bad input data. */
  row?: number;
  /** The field (attribute, column) of bad input data. */
  field?: string;
  /** The offending line with a caret under the position. */
  snippet?: string;
}

// ---------------------------------------------------------------- data

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One event on a profile: `{ type, at, ...properties }`. */
export interface ProfileEvent {
  type: string;
  /** RFC 3339 date-time. */
  at: string;
  [property: string]: unknown;
}

/**
 * A subscriber: `id`, any attributes (numbers, strings, booleans, `YYYY-MM-DD`
 * dates, RFC 3339 date-times, arrays of strings, nested objects reached by
 * dotted paths) and optionally `events`. Missing and `null` are unknown.
 */
export interface Profile {
  id?: string | number;
  events?: ProfileEvent[];
  [attribute: string]: unknown;
}

/** The clock, calendar and references of one evaluation. */
export interface EvalOptions {
  /** The evaluation clock (RFC 3339, `YYYY-MM-DD`, or a Date); default: now. */
  asOf?: string | Date;
  /** IANA zone used to cut calendar days and months; default 'UTC'. */
  timeZone?: string;
  /** Resolves `in segment "name"`. */
  segments?: SegmentSet;
}

/** A field type in a {@link Schema}. */
export type FieldType = 'number' | 'string' | 'boolean' | 'date' | 'datetime' | 'string[]';

/** Field types by attribute path; events map their property names to types. */
export type Schema = Record<string, FieldType | { event: Record<string, string> }>;

/** The schema a list of profiles follows (attribute types, event property types). */
export function inferSchema(profiles: object[]): Schema;

// ---------------------------------------------------------------- segments

/** Why a profile is (not) in a segment: one node per rule node. */
export interface Explanation {
  text: string;
  result: boolean | null;
  actual?: unknown;
  children?: Explanation[];
  /**
   * On a leaf reading a predicted field the profile does not carry (with
   * `Audience.explain`, or `Segment.explain` given `predictor`/`model`): the
   * model inputs behind the value. The leaf's text says them too.
   */
  inputs?: PredictedInputs;
}

/** The inputs behind one predicted value of one profile (days are the unit). */
export interface PredictedInputs {
  /** The derived field: 'churn_risk', 'rfm', 'lifecycle', … */
  field: keyof DerivedFields;
  /** Its value (for 'rfm' the whole object). */
  value: unknown;
  asOf: string;
  timeZone: string;
  unit: 'day';
  /** Repeat purchase days (x). */
  frequency: number;
  /** First to last purchase day (tₓ). */
  recency: number;
  /** First purchase day to asOf. */
  T: number;
  /** Mean spend of the repeat purchase days. */
  monetaryValue: number;
  purchaseDays: number;
  daysSinceLast: number | null;
  totalSpend: number;
  /** BG/NBD fields and predicted_clv: the parameters (null: not fitted, see `error`). */
  bgNbd?: { r: number; alpha: number; a: number; b: number } | null;
  /** predicted_clv. */
  gammaGamma?: { p: number; q: number; v: number } | null;
  clv?: { months: number; monthlyDiscountRate: number };
  /** 'rfm'. */
  rfm?: { r: number; f: number; m: number; code: string; segment: RfmSegmentName; customers: number };
  /** 'lifecycle': the thresholds in days. */
  lifecycle?: Record<string, number | null>;
  signupDaysAgo?: number | null;
  /** 'best_send_hour'. */
  opens?: number;
  openHoursUsed?: 'own' | 'population';
  populationSendHour?: number | null;
  /** Why a model is missing. */
  error?: string;
}

/**
 * Options of {@link Segment.explain}. With `predictor` (from `predict.fit`) or
 * `model` (parameters such as a `Predictor.model`; RFM is then unknown, as it
 * ranks a whole list), predicted fields the profile does not carry (absent or
 * null) are derived and the leaves reading them get their `inputs`.
 */
export interface ExplainOptions extends EvalOptions, Omit<PredictOptions, 'asOf' | 'timeZone' | 'unitDays' | 'model'> {
  predictor?: Predictor;
  model?: (Partial<PredictModel> | PredictorModel) & { populationSendHour?: number | null };
}

/** A finding of static analysis. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  line?: number;
  column?: number;
  code: string;
}

/** The canonical, versioned JSON form of a segment (its stored form). */
export interface SegmentAst {
  kaleido: 'segment';
  version: number;
  rule: { [key: string]: unknown };
}

/** A parsed segment rule: compile once, test many profiles. */
export class Segment {
  private constructor();
  /** Parses rule text; throws a KaleidoError of kind 'parse' (or 'type' with a schema). */
  static parse(text: string, options?: { schema?: Schema }): Segment;
  /** Reads the canonical AST (see {@link Segment.toJSON}). */
  static fromJSON(ast: object): Segment;
  /** Reads the boolean subset of JsonLogic. */
  static fromJsonLogic(logic: unknown): Segment;
  /** The canonical AST: the stored form. */
  toJSON(): SegmentAst;
  /** JsonLogic for the rule; a KaleidoError of kind 'argument' if not expressible. */
  toJsonLogic(): unknown;
  /** Canonical text: `Segment.parse(s.toString())` equals `s`. */
  toString(): string;
  /** Membership: true only if the rule is true for the profile. */
  test(profile: object, options?: EvalOptions): boolean;
  /** The three-valued result: `null` when unknown. */
  evaluate(profile: object, options?: EvalOptions): boolean | null;
  /** The result with the values behind every node (and with `predictor`/`model`, the inputs of predicted values). */
  explain(profile: object, options?: ExplainOptions): Explanation;
  /** Static analysis, no data needed. */
  check(schema?: Schema): Diagnostic[];
  /**
   * One SQL query returning the ids of the members (ordered by id), with the
   * semantics of `test`, over the table layout of docs/sql.md. Throws a
   * KaleidoError: 'argument' (dialect, options, a NUL in a value), 'type'
   * (a construct the schema leaves ambiguous, e.g. `contains` without a
   * schema), 'reference' (an unknown segment).
   */
  toSql(options: SqlOptions): string;
  /** Releases the WebAssembly memory now instead of at garbage collection. */
  free(): void;
}

/** The SQL dialects `toSql` writes. */
export type SqlDialect = 'duckdb' | 'postgres' | 'spark' | 'bigquery' | 'snowflake';

/** Where `toSql` reads profiles and events (every field has a default). */
export interface SqlTables {
  /** Profiles table, one column per attribute (dotted path as the column name); default 'profiles'. */
  profiles?: string;
  /** Events table, one row per event; default 'events'. */
  events?: string;
  /** Profile id column; default 'id'. */
  idColumn?: string;
  /** Order the result by this column instead of the id. */
  orderColumn?: string;
  /** Events: profile id column; default 'profile_id'. */
  eventProfileColumn?: string;
  /** Events: type column; default 'type'. */
  eventTypeColumn?: string;
  /** Events: time column (an instant); default 'at'. */
  eventTimeColumn?: string;
  /** Event properties: one column each (default) or one JSON column. */
  properties?: 'columns' | { json: string };
}

/** Options of {@link Segment.toSql}. `asOf` defaults to now: pass it for a reproducible query. */
export interface SqlOptions extends EvalOptions {
  dialect: SqlDialect;
  tables?: SqlTables;
  /** Column types: decide how values compare (dates vs date-times, lists as arrays). */
  schema?: Schema;
}

/** Named segments that may refer to each other. */
export class SegmentSet {
  /** A reference cycle or unknown name is a KaleidoError of kind 'reference'. */
  constructor(definitions: Record<string, string | Segment>);
  /** The names, sorted. */
  names(): string[];
  /** Releases the WebAssembly memory now instead of at garbage collection. */
  free(): void;
}

/** JsonLogic with json-logic-js semantics. */
export const jsonLogic: {
  apply(logic: unknown, data?: unknown): unknown;
};

// ---------------------------------------------------------------- audiences

/** Options for loading profiles and events. */
export interface LoadOptions {
  /** Declared types: a value of another type is a 'data' error; other fields get inferred column types. */
  schema?: Schema;
  /** The attribute holding the profile id (default 'id'); for `addEvents`, the event key holding it. */
  idField?: string;
  /** Called every 10,000 rows and at the end, synchronously, during the load. */
  onProgress?: (done: number, total: number) => void;
  /** Skip bad rows (listed in `loadSummary`) instead of throwing on the first. */
  skipInvalid?: boolean;
}

/** A row left out by a load with `skipInvalid`. */
export interface SkippedRow {
  /** 1-based: the record's position, the NDJSON line, or the CSV line (header = 1). */
  row: number;
  field?: string;
  message: string;
}

/** What the last load or `addEvents` did. */
export interface LoadSummary {
  loaded: number;
  skipped: SkippedRow[];
}

/** One region of an overlap: the profiles in exactly these segments. */
export interface OverlapRegion {
  /** The segments, as given (rule text, or a Segment's canonical text). */
  in: string[];
  /** Their positions in the argument array. */
  indexes: number[];
  size: number;
}

/** A whole list of profiles held in WebAssembly memory, in columns. */
export class Audience {
  private constructor();
  static fromRecords(profiles: object[], options?: LoadOptions): Audience;
  static fromNdjson(text: string | Uint8Array, options?: LoadOptions): Audience;
  static fromCsv(text: string | Uint8Array, options?: LoadOptions & { delimiter?: string }): Audience;
  /** Events as records or NDJSON, each with a profile id key (`idField`). */
  addEvents(events: object[] | string | Uint8Array, options?: LoadOptions): void;
  readonly size: number;
  /** How many profiles the rule is true for. */
  count(segment: Segment | string, options?: EvalOptions): number;
  /** Member ids in load order; `offset` default 0, `limit` default all. */
  members(
    segment: Segment | string,
    options?: EvalOptions & { offset?: number; limit?: number },
  ): (string | number)[];
  /** For up to 8 segments, the size of every non-empty combination. */
  overlap(segments: (Segment | string)[], options?: EvalOptions): OverlapRegion[];
  /** The profile as loaded (events included), or undefined. */
  profile(id: string | number): Profile | undefined;
  /** Bytes held in WebAssembly memory (columns, events, indexes, cached results). */
  memoryBytes(): number;
  /** What the last load or `addEvents` loaded and skipped. */
  readonly loadSummary: LoadSummary;
  /** Drops cached sub-rule results (they are also dropped by `addEvents`). */
  clearCache(): void;
  /**
   * Fits the prediction models on the whole list and makes the derived fields
   * (`churn_risk`, `rfm.segment`, `lifecycle`, …) available to every later rule,
   * whatever its `asOf`, until the next `derive` or `clearDerived`; profiles
   * with a (non-null) value of a field keep it. Without `derive`, a rule reading
   * a derived field that no profile of the list stores fits automatically at
   * its own `asOf` and `timeZone` (once per pair); fields the list stores stay
   * plain attributes. KaleidoError 'argument' naming a bad option.
   */
  derive(options?: DeriveOptions): PredictorModel;
  /** Forgets `derive`'s options and fit. */
  clearDerived(): void;
  /** The model summary of the current fit, or null. */
  readonly derivedModel: PredictorModel | null;
  /** The profile's derived fields as rules see them, or undefined for an unknown id. */
  derivedFields(id: string | number, options?: EvalOptions): DerivedFields | undefined;
  /** Why the profile is (not) in the segment, as the audience evaluates it; undefined for an unknown id. */
  explain(segment: Segment | string, id: string | number, options?: EvalOptions): Explanation | undefined;
  /** Releases the WebAssembly memory now instead of at garbage collection. */
  free(): void;
}

// ---------------------------------------------------------------- content

/** Options of {@link Template.render} and {@link Template.variants}. */
export interface RenderOptions extends EvalOptions {
  /**
   * Campaign default locale (BCP 47) when the profile names none (its `locale`, or
   * `language` + `country`); default 'en'. Numbers, money, dates and plurals use CLDR
   * data of the subscriber's locale; dates are shown in the profile's `timeZone`,
   * else its country's main zone, else `timeZone` of these options.
   */
  locale?: string;
  /** Currency (ISO 4217) of `money` without an argument. */
  currency?: string;
}

/** Options of {@link Template.compile}. */
export interface TemplateCompileOptions {
  /**
   * Named blocks for `{% include "name" %}`: a template string; or per-segment
   * variants `{ vip: '…', default: '…' }` (first segment of `segments` that holds wins);
   * or per-locale variants `{ 'locale:de': '…', 'locale:pt-BR': '…', default: '…' }`
   * (the subscriber's locale picks one along its CLDR fallback chain: `de-AT` → `de`,
   * `pt-AO` → `pt-PT` → `pt`, then any variant of the same language, else `default`,
   * else nothing). One block cannot mix segment and locale keys.
   */
  blocks?: Record<string, string | Record<string, string>>;
  /**
   * Formal or informal address (default 'informal'), for every language or per
   * locale tag: `{ de: 'formal', ja: 'formal', default: 'informal' }`. Templates see
   * it as `formal` (boolean) and as the default of `greeting()` and `address()`.
   */
  formality?: Formality | Record<string, Formality>;
  /** Instruction budget of one render (default 1,000,000); exceeding it is a 'limit' error. */
  fuel?: number;
  /** Output cap of one render in bytes (default 1 MiB); exceeding it is a 'limit' error. */
  maxOutput?: number;
}

/** How a template addresses the subscriber. */
export type Formality = 'formal' | 'informal';

/** One distinct rendering of a template over an audience. */
export interface Variant {
  /** One character per condition ('1' true, '0' false, '-' not consulted), '/', the locale. */
  key: string;
  /** Subscribers who get it. */
  count: number;
  /** The conditions that select it, in the segment language. */
  conditions: string[];
  /** A representative subscriber's id (null if profiles have no id). */
  sampleId: string | number | null;
  /** The representative's rendered HTML (values escaped). */
  html: string;
  /** Fields missing for part of the group, render failures. */
  warnings: Diagnostic[];
  /** The resolved locale it is rendered in (canonical BCP 47: `pt_BR` → `pt-BR`). */
  locale: string;
  /** For each block with variants: the variant shown (a segment name, 'locale:TAG', 'default' or 'none'). */
  blocks: Record<string, string>;
}

/** One row of the variant matrix. */
export interface VariantMatrixRow {
  key: string;
  count: number;
  /** Block name -> variant shown ('default', a segment name, 'locale:TAG', or 'none'). */
  blocks: Record<string, string>;
  /** Condition as written in the template (`in_segment("vip")`) -> its outcome. */
  conditions: Record<string, boolean>;
}

/** Everything {@link Template.variantReport} computes. */
export interface VariantReport {
  variants: Variant[];
  matrix: VariantMatrixRow[];
  /** Audience-level findings: branches no subscriber reaches (code 'unreached-branch'). */
  warnings: Diagnostic[];
  total: number;
}

/** A segment condition of a template: `in_segment("…")` or `matches("…")`. */
export interface TemplateCondition {
  kind: 'segment' | 'rule';
  text: string;
}

/**
 * A compiled Jinja template (minijinja). Values are HTML-escaped (`| safe` opts out),
 * missing values print as nothing or their `default(…)`. `in_segment("name")` and
 * `matches("rule")` work in `{% if %}`; filters: default, greeting, money, number,
 * percent, date, datetime, plural, upper, title, truncate, and Jinja's builtins.
 * Culture: variables `dir` ('rtl' for Arabic, Hebrew, Persian, Urdu…), `lang` (the
 * resolved locale) and `formal`; functions `greeting()`, `address()`, `full_name()`
 * (family name first in zh, ja, ko, vi, hu), `holiday_within("christmas", 21, next=true)`
 * (the profile's country, today in their zone), `season()` and `week_info()`
 * (`{ first_day, weekend }`).
 */
export class Template {
  private constructor();
  /** Compiles; throws a KaleidoError of kind 'template' with line and column. */
  static compile(source: string, options?: TemplateCompileOptions): Template;
  render(profile: object, options?: RenderOptions): string;
  /** Variants over an array of profiles (an Audience once that engine lands), most subscribers first. */
  variants(audience: Audience | object[], options?: RenderOptions): Variant[];
  /** Variants plus the block matrix and audience-level warnings. */
  variantReport(audience: Audience | object[], options?: RenderOptions): VariantReport;
  check(schema?: Schema): Diagnostic[];
  conditions(): TemplateCondition[];
  free(): void;
}

// ---------------------------------------------------------------- locale and culture

export type PluralCategory = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';

export function formatNumber(
  value: number,
  locale: string,
  options?: { minimumFractionDigits?: number; maximumFractionDigits?: number },
): string;
export function formatCurrency(value: number, currency: string, locale: string): string;
export function formatDate(
  value: string | Date,
  locale: string,
  options?: { timeZone?: string; style?: 'short' | 'medium' | 'long' | 'full'; time?: boolean },
): string;
export function pluralCategory(n: number, locale: string): PluralCategory;
/** One holiday: `name` is English, `localName` in the country's language. */
export interface Holiday {
  /** `YYYY-MM-DD` (Gregorian; the daytime date of Jewish and Islamic days). */
  date: string;
  name: string;
  /** Stable id: 'christmas', 'lunar_new_year', 'mid_autumn', 'eid_al_fitr', … */
  id: string;
  localName: string;
  /** True for dates that depend on moon sighting (Islamic holidays). */
  estimated: boolean;
  /** Subdivisions it is limited to ('BY', 'SCT'); absent when national. */
  regions?: string[];
}
/** Holidays of US, GB, DE, FR, CN, VN, KR, JP, IN, BR, SA, IL, UZ, AU for 2000–2050. */
export function holidays(country: string, year: number, options?: { region?: string }): Holiday[];
/**
 * The UTC instant (RFC 3339, `Z`) of local time `at` ('09:00', or a local
 * 'YYYY-MM-DDTHH:MM') for the profile, on the local date of `asOf` (default
 * now) or `date`. The zone is the profile's `timeZone` field (or
 * `timeZoneField`), else its `country`'s main zone, else `fallbackTimeZone`.
 * DST gaps move forward, repeated times take the earlier instant.
 */
export function localSendTime(
  profile: object,
  at: string,
  options?: {
    timeZoneField?: string;
    fallbackTimeZone?: string;
    quietHours?: [string, string];
    asOf?: string | Date;
    date?: string;
    next?: boolean;
  },
): string;

// ---------------------------------------------------------------- prediction

/** BG/NBD parameters: purchase rates ~ Gamma(r, alpha), dropout ~ Beta(a, b), per model time unit. */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
  logLikelihood: number;
}

/** Gamma-Gamma spend parameters. */
export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
  logLikelihood: number;
}

/** A fitted model as `predict.score` takes it (`logLikelihood` is optional here). */
export interface PredictModel {
  bgNbd: Omit<BgNbdParams, 'logLikelihood'> & { logLikelihood?: number };
  gammaGamma?: (Omit<GammaGammaParams, 'logLikelihood'> & { logLikelihood?: number }) | null;
}

/** A numeric column: a Float64Array or an array of numbers. */
export type NumberColumn = Float64Array | number[];

/** Per-customer history: repeat purchase days, first-to-last and first-to-asOf spans. */
export interface CustomerHistory {
  frequency: number;
  recency: number;
  T: number;
  monetaryValue?: number;
}

/** One customer's scores over the horizon. */
export interface Score {
  /** P(still a customer). */
  pAlive: number;
  /** Expected purchases within the horizon. */
  expectedPurchases: number;
  /** P(at least one purchase within the horizon). */
  purchaseProbability: number;
  /** Expected spend per purchase (with Gamma-Gamma and monetaryValue). */
  expectedSpend?: number;
  /** Discounted customer lifetime value (with Gamma-Gamma and monetaryValue). */
  clv?: number;
}

/** `score` on columns: one Float64Array per score. */
export interface ScoreColumns {
  pAlive: Float64Array;
  expectedPurchases: Float64Array;
  purchaseProbability: Float64Array;
  expectedSpend?: Float64Array;
  clv?: Float64Array;
}

/** Options of `predict.score`. */
export interface ScoreOptions {
  /** Horizon in model time units (days for models from profiles); default 30. */
  horizon?: number;
  clv?: ClvOptions;
}

/** CLV horizon and monthly discounting; defaults 12 months, 0.01, 30 (days). */
export interface ClvOptions {
  months?: number;
  monthlyDiscountRate?: number;
  /** Model time units per month: 30 for days, 4.345 for weeks. */
  periodsPerMonth?: number;
}

/** Lifecycle thresholds in days (defaults in docs/predict.md). */
export interface LifecycleOptions {
  newDays?: number;
  activeDays?: number;
  lapsedDays?: number;
  churnedDays?: number;
  reactivationGapDays?: number;
  reactivatedDays?: number;
  vipWindowDays?: number;
  vipMinPurchases?: number;
  vipMinSpend?: number | null;
}

/** How predictions read profiles' events. */
export interface PredictOptions {
  /** Events after it are ignored; default now. */
  asOf?: string | Date;
  /** Zone that cuts purchase days (and fallback for send hours); default 'UTC'. */
  timeZone?: string;
  /** Purchase event type; default 'purchase'. */
  eventType?: string;
  /** Purchase amount property; default 'amount' (missing/null = 0). */
  amountField?: string;
  /** Open event type for best_send_hour; default 'email_open'. */
  openEventType?: string;
  /** Profile attribute with the subscriber's IANA zone; default 'timezone'. */
  timeZoneField?: string;
  /** Profile attribute with the sign-up date; default 'signup_date'; null ignores sign-ups. */
  signupField?: string | null;
  lifecycle?: LifecycleOptions;
  clv?: ClvOptions;
  /** Use these parameters (per day) instead of fitting. */
  model?: Partial<PredictModel>;
  /** `summarize` only: time unit in days (7 = weeks); default 1. */
  unitDays?: number;
}

/** Options of {@link Audience.derive}: as `predict.fit`'s. */
export type DeriveOptions = Omit<PredictOptions, 'unitDays'>;

export type RfmSegmentName =
  | 'champions'
  | 'loyal'
  | 'potential_loyalists'
  | 'new'
  | 'promising'
  | 'need_attention'
  | 'about_to_sleep'
  | 'at_risk'
  | 'cannot_lose'
  | 'hibernating'
  | 'lost';

export type LifecycleStage = 'prospect' | 'new' | 'active' | 'vip' | 'reactivated' | 'at_risk' | 'lapsed' | 'churned';

/**
 * Fields derived for one profile (snake_case: the names segment rules use once
 * merged, e.g. `churn_risk > 0.7 and predicted_clv >= 200`). `null` = unknown:
 * no purchases yet, or a model that could not be fitted.
 */
export interface DerivedFields {
  rfm: { r: number; f: number; m: number; segment: RfmSegmentName } | null;
  p_alive: number | null;
  churn_risk: number | null;
  purchase_probability_30d: number | null;
  expected_purchases_90d: number | null;
  predicted_clv: number | null;
  lifecycle: LifecycleStage | null;
  /** Local hour 0-23 in the subscriber's zone (own opens, else the list's). */
  best_send_hour: number | null;
}

/** What `predict.fit` fitted. */
export interface PredictorModel {
  profiles: number;
  /** Profiles with at least one purchase. */
  customers: number;
  unit: 'day';
  bgNbd: BgNbdParams | null;
  bgNbdError?: string;
  gammaGamma: GammaGammaParams | null;
  gammaGammaError?: string;
  populationSendHour: number | null;
}

/** The inputs behind a profile's derived fields (for explanations). */
export interface PredictExplanation {
  asOf: string;
  timeZone: string;
  unit: 'day';
  frequency: number;
  recency: number;
  T: number;
  monetaryValue: number;
  purchaseDays: number;
  daysSinceLast: number | null;
  totalSpend: number;
  bgNbd: BgNbdParams | null;
  gammaGamma: GammaGammaParams | null;
  rfm: { r: number; f: number; m: number; code: string; segment: RfmSegmentName; customers: number } | null;
  opens: number;
  openHoursUsed: 'own' | 'population';
  fields: DerivedFields;
}

/** Models fitted on a profile list (from `predict.fit`). */
export class Predictor {
  private constructor();
  readonly model: PredictorModel;
  derive(profile: object): DerivedFields;
  deriveAll(profiles: object[]): DerivedFields[];
  explain(profile: object): PredictExplanation;
  free(): void;
}

export const predict: {
  /** Maximum-likelihood BG/NBD fit; KaleidoError 'data' with row/field for a bad row. */
  fitBgNbd(
    rows: { frequency: number; recency: number; T: number }[] | { frequency: NumberColumn; recency: NumberColumn; T: NumberColumn },
  ): BgNbdParams;
  /** Gamma-Gamma fit (rows with frequency 0 are skipped). */
  fitGammaGamma(
    rows: { frequency: number; monetaryValue: number }[] | { frequency: NumberColumn; monetaryValue: NumberColumn },
  ): GammaGammaParams;
  /** P(alive), expected purchases, P(>=1 purchase) (and CLV) per customer; columns in, columns out. */
  score(model: PredictModel, rows: CustomerHistory[], options?: ScoreOptions): Score[];
  score(
    model: PredictModel,
    columns: { frequency: NumberColumn; recency: NumberColumn; T: NumberColumn; monetaryValue?: NumberColumn },
    options?: ScoreOptions,
  ): ScoreColumns;
  /** Each profile's purchase summary (lifetimes conventions) as of `asOf`. */
  summarize(
    profiles: object[],
    options?: PredictOptions,
  ): {
    frequency: number;
    recency: number;
    T: number;
    monetaryValue: number;
    purchaseDays: number;
    daysSinceLast: number;
    totalSpend: number;
  }[];
  /** RFM quintile scores relative to the rows given. */
  rfm(
    rows: { recency: number; frequency: number; monetary: number }[],
  ): { r: number; f: number; m: number; segment: RfmSegmentName; code: string }[];
  /** One profile's lifecycle stage. */
  lifecycle(profile: object, options?: PredictOptions): LifecycleStage;
  /** Reads the list once and fits both models. */
  fit(profiles: object[], options?: PredictOptions): Predictor;
  /** Derived fields per profile (parallel array) and the fitted model. */
  deriveFields(profiles: object[], options?: PredictOptions): { fields: DerivedFields[]; model: PredictorModel };
  /** Shallow copies of the profiles with the derived fields merged in (ready for Segment rules). */
  enrich<P extends object>(profiles: P[], options?: PredictOptions): (P & DerivedFields)[];
};

// ---------------------------------------------------------------- campaigns

/** A local wall-clock time, `HH:MM` (24-hour clock). */
export type LocalTime = string;

/** Subject, preview text and body templates (Jinja), with per-locale overrides. */
export interface CampaignContent {
  subject: string;
  preview?: string;
  body?: string;
  /** By locale tag (`de`, `pt-BR`); a subscriber's `de-AT` falls back to `de`, then to the default. */
  locales?: Record<string, { subject?: string; preview?: string; body?: string }>;
}

/** An A/B or multivariate split; `holdout` in [0, 1) receives nothing. */
export interface CampaignSplit {
  /** Test name hashed with the subscriber id (default: the campaign, or `campaign.step`). */
  test?: string;
  variants: { name: string; weight?: number }[];
  holdout?: number;
}

/** When a scheduled (non-triggered) campaign is sent, in the subscriber's zone. */
export type CampaignSchedule =
  | { type: 'once'; date: string; at: LocalTime }
  | { type: 'once'; holiday: HolidayId; offsetDays?: number; year?: number; at: LocalTime }
  | {
      type: 'weekly';
      weekday: 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';
      at: LocalTime;
      start?: string;
      end?: string;
    };

/** Holiday ids a one-off campaign can be anchored to. */
export type HolidayId = 'christmas' | 'lunar_new_year' | 'mid_autumn' | 'diwali' | 'eid_al_fitr';

/** One step of a triggered series. */
export interface CampaignStep {
  name?: string;
  description?: string;
  /** From entry: `"0"`, `"1 hour"`, `"3 days"`, `"2 weeks"`, `"1 month"`. */
  delay: string;
  /** After the delay, wait for the next local `HH:MM`. */
  at?: LocalTime;
  /** A segment rule that must be true at send time. */
  condition?: string;
  split?: CampaignSplit;
  content: CampaignContent;
}

/** What starts a series: an event (optionally filtered on its properties) or entering a segment. */
export type CampaignTrigger = { event: string; where?: string } | { segment: string };

/** Fields every campaign has. */
export interface CampaignBase {
  name: string;
  description?: string;
  /** Higher wins when the frequency cap allows only some messages of a day. */
  priority?: number;
  /** A segment rule (text); checked at send time, or at entry for a series. */
  audience?: string;
  /** Not limited by, and not counted in, the frequency cap. */
  capExempt?: boolean;
  /** Overrides the programme's quiet hours; `null` turns them off. */
  quietHours?: [LocalTime, LocalTime] | null;
  /**
   * Formal or informal address in this campaign's templates, for every language or per
   * locale tag: `{ de: 'formal', default: 'informal' }` (as `TemplateOptions.formality`).
   * Default: the programme's `formality`, else informal.
   */
  formality?: Formality | Record<string, Formality>;
  split?: CampaignSplit;
}

/** A one-off or weekly campaign. */
export interface ScheduledCampaign extends CampaignBase {
  schedule: CampaignSchedule;
  content: CampaignContent;
}

/** A triggered series of steps. */
export interface TriggeredCampaign extends CampaignBase {
  trigger: CampaignTrigger;
  /** May the subscriber enter again after a run ends (default true)? */
  reentry?: boolean;
  /** A segment rule over the events since entry, e.g. `did purchase`: stops the series. */
  exit?: string;
  steps: CampaignStep[];
}

/** One campaign definition. */
export type CampaignDefinition = ScheduledCampaign | TriggeredCampaign;

/** A whole programme: campaigns plus shared settings. */
export interface CampaignProgramme {
  description?: string;
  campaigns: CampaignDefinition[];
  /** At most `messages` in any `days` consecutive local days. */
  frequencyCap?: { messages: number; days: number };
  quietHours?: [LocalTime, LocalTime] | null;
  /** A segment rule that must be true at every send, e.g. `consent.email = true`. */
  consent?: string;
  /** Profile fields read by the scheduler (defaults: id, timeZone, locale, country). */
  fields?: { id?: string; timeZone?: string; locale?: string; country?: string };
  /** The formality of campaigns without their own (default informal). */
  formality?: Formality | Record<string, Formality>;
}

/** One message a campaign would send. */
export interface ScheduledMessage {
  campaign: string;
  step?: string;
  variant?: string;
  /** UTC instant, RFC 3339 with `Z`. */
  sendAt: string;
  /** The same instant in the subscriber's zone, RFC 3339 with offset. */
  localTime: string;
  timeZone: string;
  subject: string;
  preview: string;
  /** With `includeBody`. */
  body?: string;
  /** The locale block used, if not the default. */
  locale?: string;
  priority: number;
  status: 'sent' | 'suppressed';
  reason?: 'consent' | 'condition' | 'exit' | 'holdout' | 'cap';
}

/** Options of {@link Campaigns.simulate}: the window `[from, to)` and the clock. */
export interface SimulateOptions {
  /** RFC 3339, `YYYY-MM-DD` (start of day in `timeZone`) or a Date. */
  from: string | Date;
  to: string | Date;
  /** What is known: events after it are ignored (default: `to`). */
  asOf?: string | Date;
  /** Zone of subscribers without a `timeZone` field; default 'UTC'. */
  timeZone?: string;
  /** Also list suppressed messages, with `reason`. */
  includeSuppressed?: boolean;
  /** Also render bodies. */
  includeBody?: boolean;
  /** Accepted for EvalOptions compatibility; the constructor's segments are used. */
  segments?: SegmentSet;
}

/** Campaign definitions simulated over profiles and audiences. */
export class Campaigns {
  /** A bad definition is a KaleidoError 'argument' whose `field` is the JSON path of the bad field. */
  constructor(definitions: CampaignDefinition[] | CampaignProgramme | object[], options?: { segments?: SegmentSet });
  /** The built-in example programme (welcome, newsletter, seasonal, cart, loyalty, birthday, re-engagement). */
  static examples(): CampaignProgramme;
  /** Campaign names in definition order. */
  names(): string[];
  simulate(profile: object, options: SimulateOptions): ScheduledMessage[];
  simulateAudience(
    /** An array of profiles, or an `Audience` (its profiles in load order). */
    audience: object[] | Audience,
    options: SimulateOptions,
  ): { date: string; campaign: string; count: number }[];
  free(): void;
}

/** Deterministic weighted variant assignment: SHA-256 of `test + ":" + id` (see docs/campaigns.md). */
export function assignVariant(test: string, id: string | number, variants: { name: string; weight: number }[]): string;
