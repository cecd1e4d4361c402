// A TypeScript consumer of predicted fields on Audience and in explanations,
// compiled with `tsc --noEmit --strict` (tests/types/tsconfig.json).
import { Audience, Segment, predict } from 'kaleido';
import type { DerivedFields, Explanation, PredictedInputs, PredictorModel } from 'kaleido';

export function predicted(profiles: object[]): number {
  const aud = Audience.fromRecords(profiles);
  const model: PredictorModel = aud.derive({ asOf: '2025-01-01', clv: { months: 6 }, signupField: null });
  const current: PredictorModel | null = aud.derivedModel;
  const fields: DerivedFields | undefined = aud.derivedFields(1, { asOf: '2025-01-01' });
  const why: Explanation | undefined = aud.explain('churn_risk > 0.7', 1, { asOf: '2025-01-01' });
  const inputs: PredictedInputs | undefined = why?.inputs;
  aud.clearDerived();
  const predictor = predict.fit(profiles, { asOf: '2025-01-01' });
  const rule = Segment.parse('churn_risk > 0.7 and rfm.segment = "lost"');
  const a: Explanation = rule.explain(profiles[0], { asOf: '2025-01-01', predictor });
  const b: Explanation = rule.explain(profiles[0], { model: { ...predictor.model, populationSendHour: 9 } });
  return model.customers + (current ? 1 : 0) + (fields?.churn_risk ?? 0) + (inputs?.T ?? 0) + (a.result ? 1 : 0) + (b.result ? 1 : 0);
}
