/**
 * Every statement the agent sends starts with this comment. pg_stat_statements keeps a leading comment
 * in its stored query text, so the tuning objective can leave the agent's own statements out of the
 * workload it measures.
 *
 * pg_stat_statements groups statements by a hash of their parse tree, which ignores comments: a client
 * statement identical in structure to one of the agent's would share its entry (and whichever text came
 * first). The agent only reads catalog and statistics views, so such a collision is not expected.
 */
export const AGENT_STATEMENT_TAG = '/* patroni-tuner */';

export function tagStatement(sql: string): string {
  return `${AGENT_STATEMENT_TAG} ${sql}`;
}

/** True for a query text (as pg_stat_statements or pg_stat_activity shows it) the agent sent. */
export function isAgentStatement(queryText: string): boolean {
  return queryText.trimStart().startsWith(AGENT_STATEMENT_TAG);
}
