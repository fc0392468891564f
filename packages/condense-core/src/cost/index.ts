export { countCost } from './count.js';
export type { CostForm, CostKind, CostReport, LayerCost, SectionCost } from './count.js';
