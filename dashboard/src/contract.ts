/**
 * The answers the dashboard reads, as the server's own modules type them (the analytics API is snake_case,
 * USD numbers and ISO times; the admin API camelCase). One source: a field renamed or retyped on the server
 * fails the dashboard's type-check (`npm run lint`) wherever a view reads it. Type-only imports, so nothing
 * of the server reaches the bundle (the Compare view also imports the compare report's formats and chart
 * layout, `src/analytics/compare-format.ts` and `compare-chart.ts`, which are pure and import nothing else).
 */
import type { ActivityAnswer as ServerActivityAnswer } from '../../src/analytics/activity-report.js';
import type { CaptureJson } from '../../src/capture/capture-json.js';
import type { DialectName as ServerDialectName } from '../../src/domain/dialect-name.js';
import type { CompareReport as ServerCompareReport } from '../../src/analytics/compare-report.js';
import type { CostAnswer as ServerCostAnswer } from '../../src/analytics/cost-report.js';
import type { ByKeyAnswer, ByTeamAnswer, ByUserAnswer } from '../../src/analytics/identity-report.js';
import type { QuotaJson } from '../../src/analytics/identity-quota.js';
import type { MeasuresJson } from '../../src/analytics/measures-json.js';
import type { percentilesOf } from '../../src/analytics/percentiles.js';
import type { RequestDetailAnswer } from '../../src/analytics/request-detail.js';
import type { RequestJson, RequestLogAnswer } from '../../src/analytics/request-log.js';
import type { RoutingAnswer as ServerRoutingAnswer } from '../../src/analytics/routing-report.js';
import type { RunsAnswer as ServerRunsAnswer } from '../../src/analytics/runs-report.js';
import type { TimeseriesAnswer as ServerTimeseriesAnswer } from '../../src/analytics/timeseries-report.js';
import type { ProviderKeyJson, PublicKey } from '../../src/server/routes/admin-routes.js';
import type { DashboardSession } from '../../src/server/routes/dashboard-routes.js';
import type { TargetHealthAnswer as ServerTargetHealthAnswer } from '../../src/server/routes/health-targets-route.js';
import type { LimitSettings as ServerLimitSettings } from '../../src/domain/limits.js';
import type { PrincipalRecord } from '../../src/domain/principal-record.js';

export type Measures = MeasuresJson;
export type CostAnswer = ServerCostAnswer;
export type TimeseriesAnswer = ServerTimeseriesAnswer;
export type Percentiles = NonNullable<ReturnType<typeof percentilesOf>>;
export type ActivityAnswer = ServerActivityAnswer;

export type RoutingAnswer = ServerRoutingAnswer;
export type RoutingGroup = RoutingAnswer['groups'][number];
export type TargetHealthAnswer = ServerTargetHealthAnswer;

export type Quota = QuotaJson;
/** An identity report: `top` when one row holds more than half the window's spend, and its rows. */
export type IdentityAnswer<Row> = Omit<ByTeamAnswer, 'data'> & { data: Row[] };
/** A team: `users` counts the distinct named users with calls in the window. */
export type TeamRow = ByTeamAnswer['data'][number];
export type UserRow = ByUserAnswer['data'][number];
export type KeyRow = ByKeyAnswer['data'][number];

/** `GET /analytics/runs`: the evaluation runs with calls in the window, most recently active first. */
export type RunsAnswer = ServerRunsAnswer;
export type RunRow = RunsAnswer['data'][number];
/** `GET /analytics/compare`: the runs side by side and each later run's differences from the first. */
export type CompareReport = ServerCompareReport;

export type RequestRow = RequestJson;
export type RequestList = RequestLogAnswer;
export type RequestDetail = RequestDetailAnswer;

/** The admin API (camelCase, as `/admin/*` has always answered). */
export type LimitSettings = ServerLimitSettings;
export type AdminKey = PublicKey;
export type AdminPrincipal = PrincipalRecord;
export type ProviderKeySource = ProviderKeyJson;

export type SessionInfo = DashboardSession;

/** `GET /admin/captures/{request id}` (admin keys only): a captured call's request and answer, as captured. */
export type Capture = CaptureJson;
/** The API shapes a call can arrive in (a capture's `dialect`). */
export type DialectName = ServerDialectName;
