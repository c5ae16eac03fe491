/**
 * The versions of Sluice's own API (`/v1/usage`, `/admin/*`, `/analytics/*`, `/metrics`, health). A caller
 * may pin one with the `Sluice-API-Version` request header; every answer on those paths names the version
 * it was served in. Provider-shape endpoints are not versioned here: they follow their providers' contracts.
 */
export interface ApiVersionDeprecation {
  /** When the version stops being served: an ISO date (`2027-06-30`) or date-time, sent as `Sunset` (RFC 8594). */
  sunset: string;
  /** When it was deprecated; sent as RFC 9745's `Deprecation: @<seconds>`. Unset: `Deprecation: true`. */
  deprecatedOn?: string;
  /** Where the change is explained, sent as `Link: <…>; rel="deprecation"`. */
  changelog?: string;
}

export interface ApiVersionSpec {
  name: string;
  deprecation?: ApiVersionDeprecation;
}

/** A supported version with the answer headers it implies, rendered once rather than on every request. */
export interface ApiVersion {
  readonly name: string;
  readonly deprecated: boolean;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export class ApiVersionRegistry {
  readonly current: ApiVersion;
  /** The supported names, in the order given, for the 400 that refuses an unknown one. */
  readonly names: readonly string[];
  readonly #byName: ReadonlyMap<string, ApiVersion>;

  constructor(versions: readonly ApiVersionSpec[], current: string) {
    const byName = new Map<string, ApiVersion>();
    for (const spec of versions) {
      if (byName.has(spec.name)) throw new Error(`API version ${spec.name} is listed twice`);
      byName.set(spec.name, renderVersion(spec));
    }
    const currentVersion = byName.get(current);
    if (!currentVersion) throw new Error(`the current API version ${current} is not in the list`);
    if (currentVersion.deprecated) throw new Error(`the current API version ${current} cannot be deprecated`);
    this.current = currentVersion;
    this.names = [...byName.keys()];
    this.#byName = byName;
  }

  /** The version a caller pinned; undefined when Sluice does not serve it. A Map: the name is caller input. */
  find(name: string): ApiVersion | undefined {
    return this.#byName.get(name);
  }
}

function renderVersion(spec: ApiVersionSpec): ApiVersion {
  const headers: Array<[string, string]> = [['sluice-api-version', spec.name]];
  const { deprecation } = spec;
  if (deprecation) {
    headers.push(['deprecation', deprecation.deprecatedOn === undefined ? 'true' : `@${Math.floor(parseDate(deprecation.deprecatedOn, 'deprecatedOn') / 1000)}`]);
    headers.push(['sunset', new Date(parseDate(deprecation.sunset, 'sunset')).toUTCString()]);
    if (deprecation.changelog !== undefined) headers.push(['link', `<${new URL(deprecation.changelog).href}>; rel="deprecation"; type="text/html"`]);
  }
  return { name: spec.name, deprecated: deprecation !== undefined, headers };
}

function parseDate(text: string, field: string): number {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new Error(`API version ${field}: '${text}' is not a date`);
  return time;
}

/**
 * What this build serves. A new version goes first in the list and becomes `current`; the one it replaces
 * gets a deprecation (sunset and changelog) and stays until its sunset has passed.
 */
export const sluiceApiVersions = new ApiVersionRegistry([{ name: '2026-11-22' }], '2026-11-22');
