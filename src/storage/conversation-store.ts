/**
 * The Chat view's conversations in IndexedDB ('conversations', keyed by id, indexed by last change): list newest
 * first with a search over titles and message texts, put, get, delete.
 */
import type { Conversation } from '../core/chat/conversation.ts'
import type { EvalzDb } from './db.ts'

/** Stores (inserts or replaces) a conversation. */
export async function putConversation(db: EvalzDb, c: Conversation): Promise<void> {
  await db.put('conversations', c)
}

/** The conversation with `id`, or undefined. */
export async function getConversation(db: EvalzDb, id: string): Promise<Conversation | undefined> {
  return db.get('conversations', id)
}

/** Deletes a conversation (no error when it is not there). */
export async function deleteConversation(db: EvalzDb, id: string): Promise<void> {
  await db.delete('conversations', id)
}

/** Conversations, most recently changed first; `query` keeps those whose title, model or messages contain it (any case). */
export async function listConversations(db: EvalzDb, query = ''): Promise<Conversation[]> {
  const all = (await db.getAllFromIndex('conversations', 'updatedAt')).reverse()
  const q = query.trim().toLowerCase()
  if (q === '') return all
  return all.filter((c) => [c.title, c.model.name, c.compareModel?.name ?? '', ...c.messages.map((m) => m.content)].some((t) => t.toLowerCase().includes(q)))
}
