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
  }
}
