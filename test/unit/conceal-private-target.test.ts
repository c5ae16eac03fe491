import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.js';
import type { ProviderEntry } from '../../src/domain/provider-entry.js';
import type { ResolvedGroup, ResolvedRoute } from '../../src/routing/route-target.js';
import type { RouteTarget } from '../../src/domain/route-target.js';
import {
  concealError,
  concealErrorParts,
  concealmentOf,
  concealText,
  publicModelOf,
} from '../../src/server/proxy/conceal-private-target.js';

function target(providerName: string, upstreamModel: string, hidden: boolean, baseUrl = 'http://10.0.0.5:8000/v1'): RouteTarget {
  return { id: `${providerName}:${upstreamModel}`, provider: { name: providerName, baseUrl } as ProviderEntry, upstreamModel, private: hidden } as RouteTarget;
}

function groupRoute(name: string, targets: RouteTarget[]): ResolvedRoute {
  const group = { name, targets } as unknown as ResolvedGroup;
  return { requestedName: name, group, candidates: targets };
}

describe('concealment of private targets', () => {
  it('is null for a route without a private target, and the same object for every call of a group', () => {
    expect(concealmentOf(groupRoute('open', [target('openai', 'gpt-4o-mini', false)]))).toBeNull();
    expect(concealmentOf({ requestedName: 'gpt-4o-mini', group: undefined, candidates: [target('openai', 'gpt-4o-mini', false)] })).toBeNull();
    const route = groupRoute('house', [target('gpu', 'llama-70b', true), target('openai', 'gpt-4o-mini', false)]);
    const concealment = concealmentOf(route)!;
    expect(concealmentOf(route)).toBe(concealment);
    expect(concealment.label).toBe('house');
    expect([...concealment.privateIds]).toEqual(['gpu:llama-70b']);
    // Only the private target's names, longest first; the public one stays nameable.
    expect(concealment.names).toEqual(['10.0.0.5:8000', 'llama-70b', '10.0.0.5', 'gpu']);
  });

  it('replaces a longer name whole before a shorter one inside it', () => {
    const concealment = concealmentOf(groupRoute('house', [target('llama', 'llama-70b-instruct', true)]))!;
    expect(concealText(concealment, "model 'llama-70b-instruct' on llama at http://10.0.0.5:8000/v1")).toBe("model 'house' on house at http://house/v1");
  });

  it('a plain private model is `private`, and answers name what the caller asked unless that is hidden', () => {
    const concealment = concealmentOf({ requestedName: 'x', group: undefined, candidates: [target('gpu', 'llama-70b', true)] })!;
    expect(concealment.label).toBe('private');
    expect(publicModelOf(concealment, 'my-alias')).toBe('my-alias');
    expect(publicModelOf(concealment, 'gpu:llama-70b')).toBe('private');
    expect(publicModelOf(concealment, null)).toBe('private');
  });

  it('keeps an error\'s code, status, headers and reason, and returns it unchanged when it names nothing', () => {
    const concealment = concealmentOf(groupRoute('house', [target('gpu', 'llama-70b', true)]))!;
    const error = new GatewayError('upstream_timeout', "The upstream provider 'gpu' sent no first byte.", { headers: { 'retry-after': '1' }, reason: 'upstream_timeout.first_byte' });
    const concealed = concealError(concealment, error);
    expect(concealed).toMatchObject({ code: 'upstream_timeout', status: 504, headers: { 'retry-after': '1' }, reason: 'upstream_timeout.first_byte' });
    expect(concealed.message).toBe("The upstream provider 'house' sent no first byte.");
    const plain = new GatewayError('rate_limited', 'Slow down.');
    expect(concealError(concealment, plain)).toBe(plain);
    expect(concealError(null, error)).toBe(error);
  });

  it('conceals the error parts of an event, never the generated text', () => {
    const concealment = concealmentOf(groupRoute('house', [target('gpu', 'llama-70b', true)]))!;
    const chunk = { choices: [{ delta: { content: 'I am llama-70b' } }], error: { message: 'llama-70b overloaded', nested: ['gpu'] } };
    concealErrorParts(concealment, chunk);
    expect(chunk).toEqual({ choices: [{ delta: { content: 'I am llama-70b' } }], error: { message: 'house overloaded', nested: ['house'] } });
    const event = { type: 'error', message: 'gpu is down' };
    concealErrorParts(concealment, event);
    expect(event.message).toBe('house is down');
  });
});
