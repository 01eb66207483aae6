/**
 * Streaming chat through `POST /v1/chat/completions` with `stream: true` (server-sent events, vLLM's and
 * OpenAI's `chat.completion.chunk` shape, ended by `data: [DONE]`), for a chat view that talks to a server.
 */
import { HarnessError } from '../../core/errors.ts'
import type { ChatStreamRequest, ChatStreamResult } from '../../protocol/server-api.ts'
import type { ApiClient } from './api-client.ts'

export type { ChatStreamRequest, ChatStreamResult }

/**
 * Sends the chat and calls `onDelta` with each piece of text as it arrives; resolves with the whole reply.
 * Aborting `signal` cancels the request (HarnessError 'CANCELLED').
 */
export async function streamChatCompletion(
  client: ApiClient, req: ChatStreamRequest, onDelta: (text: string) => void, signal?: AbortSignal,
): Promise<ChatStreamResult> {
  const body = {
    model: req.model,
    messages: req.messages.map(m => ({ role: m.role, content: m.content })),
    stream: true,
    ...(req.maxTokens === undefined ? {} : { max_tokens: req.maxTokens }),
    ...(req.temperature === undefined ? {} : { temperature: req.temperature }),
    ...(req.topP === undefined ? {} : { top_p: req.topP }),
    ...(req.seed === undefined ? {} : { seed: req.seed }),
    ...(req.stop === undefined ? {} : { stop: [...req.stop] }),
  }
  const res = await client.postStream('/chat/completions', body, signal)
  if (!res.body) throw new HarnessError('API_ERROR', `${client.baseUrl}/chat/completions sent no stream body`)
  let text = ''
  let finishReason: string | undefined
  let buffer = ''
  const decoder = new TextDecoder()
  const reader = res.body.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      buffer += decoder.decode(value, { stream: !done })
      for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
        const event = buffer.slice(0, end)
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
        const data = event.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n')
        if (data === '') continue
        if (data === '[DONE]') return { text, finishReason }
        const chunk = parseChunk(data, client.baseUrl)
        const choice = chunk.choices?.[0]
        const piece = choice?.delta?.content
        if (typeof piece === 'string' && piece !== '') {
          text += piece
          onDelta(piece)
        }
        if (typeof choice?.finish_reason === 'string') finishReason = choice.finish_reason
      }
      if (done) return { text, finishReason }
    }
  } catch (e) {
    if (signal?.aborted) throw new HarnessError('CANCELLED', 'chat cancelled')
    throw e
  } finally {
    reader.releaseLock()
  }
}

interface Chunk {
  choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[]
  error?: { message?: unknown }
}

function parseChunk(data: string, url: string): Chunk {
  let chunk: Chunk
  try {
    chunk = JSON.parse(data) as Chunk
  } catch {
    throw new HarnessError('API_ERROR', `${url}/chat/completions streamed something that is not JSON: ${data.slice(0, 120)}`)
  }
  if (chunk.error) throw new HarnessError('API_ERROR', `${url}/chat/completions failed mid-stream: ${String(chunk.error.message ?? 'unknown error')}`)
  return chunk
}
