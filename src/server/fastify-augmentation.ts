import type { DialectName } from '../domain/dialect-name.js';
import type { Operation } from '../domain/operation.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API shape of a route, so errors raised before its handler still answer in that shape. */
    dialect?: DialectName;
    /** A route of one operation (`/v1/embeddings`); unset on chat routes and on Gemini's, whose method says. */
    operation?: Operation;
    /** The provider a pinned route belongs to. */
    proxyRoute?: boolean;
    /**
     * A Sluice-owned route whose errors answer in the shape the caller's headers suggest (`/v1/usage`, which
     * SDKs of either family call) rather than in OpenAI's, Sluice's own.
     */
    errorsInCallerShape?: boolean;
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
