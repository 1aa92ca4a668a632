import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_STATEMENT_TAG, isAgentStatement, tagStatement } from '../../../src/postgres/statement-tag.js';

describe('agent statement tag', () => {
  it('is a leading SQL comment naming the agent', () => {
    assert.equal(AGENT_STATEMENT_TAG, '/* patroni-tuner */');
    assert.equal(tagStatement('SELECT 1'), '/* patroni-tuner */ SELECT 1');
  });

  it('recognises tagged statements, also after leading whitespace', () => {
    assert.equal(isAgentStatement(tagStatement('SELECT name FROM pg_settings')), true);
    assert.equal(isAgentStatement('  \n/* patroni-tuner */ SELECT $1'), true);
  });

  it('does not claim other statements, even ones that mention the tag later', () => {
    assert.equal(isAgentStatement('SELECT 1'), false);
    assert.equal(isAgentStatement('/* app */ SELECT 1'), false);
    assert.equal(isAgentStatement("SELECT '/* patroni-tuner */'"), false);
    assert.equal(isAgentStatement('/* patroni-tuner-fork */ SELECT 1'), false);
  });
});
