import type { SluiceConfig } from '../../config/config-schema.js';
import type { Tracing } from '../../telemetry/tracing.js';
import type { Logger } from '../../domain/logger.js';

/**
 * Traces when an OTLP endpoint is configured, else null. The OpenTelemetry SDK is loaded only then: a
 * gateway with telemetry off neither loads nor runs any of it.
 */
export async function startTracing(settings: SluiceConfig['telemetry'], env: NodeJS.ProcessEnv, logger: Logger): Promise<Tracing | null> {
  const endpoint = settings.otlp.endpoint;
  if (endpoint === undefined) return null;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http/json') {
    logger.warn({ protocol }, 'traces are exported as OTLP/HTTP JSON; the OTLP protocol setting is ignored');
  }
  const { startOtlpTracing } = await import('../telemetry/otlp-tracing.js');
  // The origin only: an endpoint URL may carry credentials.
  logger.info({ collector: new URL(endpoint).origin, serviceName: settings.serviceName }, 'exporting OpenTelemetry traces');
  return startOtlpTracing({ ...settings, otlp: { ...settings.otlp, endpoint } }, logger);
}
