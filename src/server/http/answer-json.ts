import type { FastifyReply } from 'fastify';
import { hijackReply } from '../hijack-reply.js';

/**
 * Answers a Sluice-owned route with JSON, written on the raw response as `application/json` exactly (Fastify's
 * own send would add a charset). The body is serialised before the reply is taken over, so a body that will
 * not serialise still reaches the route's error handler.
 */
export function answerJson(reply: FastifyReply, body: unknown, options: { status?: number; headers?: Record<string, string> } = {}): void {
  answerText(reply, JSON.stringify(body), { 'content-type': 'application/json', ...options.headers }, options.status);
}

/** The same, for a body already rendered (the Prometheus exposition). */
export function answerText(reply: FastifyReply, text: string, headers: Record<string, string>, status = 200): void {
  const response = hijackReply(reply);
  response.writeHead(status, headers);
  response.end(text);
}
