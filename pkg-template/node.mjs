// Node entry of `kaleido` (ES module): `import { Segment } from 'kaleido'`.
import kaleido from './node.cjs';

export const {
  init,
  KaleidoError,
  jsonLogic,
  predict,
  version,
  Segment,
  SegmentSet,
  Template,
  Audience,
  inferSchema,
  Campaigns,
  assignVariant,
  Predictor,
} = kaleido;
export const { formatNumber, formatCurrency, formatDate, pluralCategory, holidays, localSendTime } = kaleido;
export default kaleido;
