/**
 * What a model call asks for: a generated answer (`chat`, whatever the API shape calls it) or vectors for
 * its inputs (`embeddings`). Independent of the dialect: `/v1/embeddings` and Gemini's `:embedContent` are
 * both embeddings, in two shapes.
 */
export type Operation = 'chat' | 'embeddings';
