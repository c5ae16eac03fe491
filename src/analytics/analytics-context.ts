import type { SubjectScope } from '../domain/limit-subject.js';
import type { BudgetLedger } from '../policy/budget-ledger.js';
import type { PrincipalView } from '../policy/principal-view.js';
import type { ResolvedGroup } from '../routing/route-target.js';
import type { KeyRecord } from '../domain/key-record.js';
import type { LimitSettings } from '../domain/limits.js';
import type { Store } from '../store/store.js';

/** What every analytics report reads: the store, the clock, and key names and limits. */
export interface AnalyticsContext {
  store: Store;
  now: number;
  /** Every key by id, read once per request (names and revocations are shown, never per row). */
  keys: ReadonlyMap<string, KeyRecord>;
  principals: PrincipalView;
  limitDefaults: Record<SubjectScope, LimitSettings>;
  budgetLedger: BudgetLedger;
  /** The configured model groups (their targets and contracts), for the routing report. */
  groups?: ReadonlyMap<string, ResolvedGroup>;
}
