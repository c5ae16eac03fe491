import type { DialectName } from '../dialects/dialect-name.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API shape of a route, so errors raised before its handler still answer in that shape. */
    dialect?: DialectName;
    /** The provider a pinned route belongs to. */
    proxyRoute?: boolean;
  }
  interface FastifyRequest {
    /** The JSON body text as received, forwarded unchanged when no pass-through edit was needed. */
    rawBody?: string;
    /**
     * On Sluice's own routes: the API version the answer follows, the caller's `Sluice-API-Version` pin or
     * the current one (see server/api-version/). Undefined on provider-shape routes.
     */
    sluiceApiVersion: string | undefined;
  }
}
