import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { TelemetrySettings } from '../../config/config-schema.js';
import type { Logger } from '../../domain/logger.js';
import { ModelCallTracer } from './model-call-tracer.js';
import type { Tracing } from '../../telemetry/tracing.js';
import type { ModelCall } from '../proxy/model-call.js';

/** Export failures are logged at most this often: a collector that is down must not flood the log. */
const exportFailureLogIntervalMs = 60_000;

/**
 * Traces over OTLP/HTTP (JSON, the exporter's own encoding): a tracer provider of Sluice's own — no global
 * registration, no auto-instrumentation, so nothing but the spans made in `model-call-tracer.ts` exists —
 * with a batch processor, so a request never waits for an export.
 */
export function startOtlpTracing(settings: TelemetrySettings & { otlp: { endpoint: string } }, logger: Logger): Tracing {
  const exporter = new OTLPTraceExporter({ url: tracesUrl(settings.otlp.endpoint), headers: { ...settings.otlp.headers } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    // A caller's trace keeps its own sampling decision; traces that start here keep `sampleRatio` of them.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(loggingFailures(exporter, logger), { scheduledDelayMillis: settings.otlp.exportDelayMs })],
  });
  const tracer = new ModelCallTracer(provider.getTracer('sluice'), { captureContent: settings.captureContent, logger });
  return {
    // Method syntax: the request path hands its ModelCall, which Tracing names only as a TracedCall.
    startCall(call: ModelCall) {
      return tracer.startCall(call);
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The traces URL for an OTLP base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT means it (`/v1/traces` appended);
 * an endpoint that already names the traces path is taken as it is.
 */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** The SDK reports export failures only to its global diagnostic logger, which Sluice leaves alone. */
function loggingFailures(exporter: SpanExporter, logger: Logger): SpanExporter {
  let lastLoggedAt = -Infinity;
  return {
    export(spans: ReadableSpan[], done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          const now = Date.now();
          if (now - lastLoggedAt >= exportFailureLogIntervalMs) {
            lastLoggedAt = now;
            logger.warn({ err: result.error, spans: spans.length }, 'exporting traces failed (logged at most once a minute)');
          }
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
