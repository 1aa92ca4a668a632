import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCluster, normalizeNodeStatus } from '../../../src/patroni/normalize.js';
import { identifySelf } from '../../../src/observer/self-member.js';
import { readFixture } from '../../fixtures/patroni/load.js';
import { editedCluster } from './fakes.js';

// 3.0.2 recorded: node1 http://127.0.0.1:42177, node2 :32995, node3 :44747; /patroni has no name.
const node302 = normalizeNodeStatus(readFixture('3.0.2', 'recorded/patroni-primary.json'));
const cluster302 = normalizeCluster(readFixture('3.0.2', 'recorded/cluster.json'));

/** The 3.0.2 recorded cluster as a production cluster lays it out: one host per member, every API on 8008. */
const spreadOut = normalizeCluster(
  editedCluster(readFixture('3.0.2', 'recorded/cluster.json'), (cluster) => {
    cluster.members.forEach((member, index) => {
      member.api_url = `http://10.0.0.${index + 1}:8008/patroni`;
      member.host = `10.0.0.${index + 1}`;
    });
  }),
);

describe('identifySelf', () => {
  it('takes the name /patroni reports (4.1.5 recorded), whatever the URL', () => {
    const cluster = normalizeCluster(readFixture('4.1.5', 'recorded/cluster.json'));
    const primary = normalizeNodeStatus(readFixture('4.1.5', 'recorded/patroni-primary.json'));
    const replica = normalizeNodeStatus(readFixture('4.1.5', 'recorded/patroni-replica.json'));
    assert.equal(identifySelf(primary, cluster, 'http://127.0.0.1:43627'), 'node1');
    assert.equal(identifySelf(replica, cluster, 'http://127.0.0.1:43627'), 'node2');
    assert.equal(identifySelf(replica, cluster, 'http://patroni.invalid:1'), 'node2');
  });

  it('without a name (3.0.2 recorded), matches the configured host:port against the members\' api_url', () => {
    assert.equal(node302.name, null);
    assert.equal(identifySelf(node302, cluster302, 'http://127.0.0.1:42177'), 'node1');
    assert.equal(identifySelf(node302, cluster302, 'http://127.0.0.1:32995/'), 'node2');
    assert.equal(identifySelf(node302, cluster302, 'http://127.0.0.1:44747/patroni'), 'node3');
  });

  it('falls back to the only member on the same port when the host is spelt differently (localhost vs 127.0.0.1)', () => {
    assert.equal(identifySelf(node302, cluster302, 'http://localhost:44747'), 'node3');
    assert.equal(identifySelf(node302, cluster302, 'http://LOCALHOST:32995'), 'node2');
  });

  it('gives null when no member is on the configured port', () => {
    assert.equal(identifySelf(node302, cluster302, 'http://127.0.0.1:8008'), null);
    assert.equal(identifySelf(node302, cluster302, 'http://localhost'), null);
  });

  it('one host per member on a shared port: the exact host:port decides, anything else is ambiguous (null)', () => {
    assert.equal(identifySelf(node302, spreadOut, 'http://10.0.0.2:8008'), 'node2');
    assert.equal(identifySelf(node302, spreadOut, 'http://10.0.0.3:8008/'), 'node3');
    // The default TUNER_PATRONI_URL against members advertising their real addresses: three on port 8008.
    assert.equal(identifySelf(node302, spreadOut, 'http://127.0.0.1:8008'), null);
    assert.equal(identifySelf(node302, spreadOut, 'http://localhost:8008'), null);
  });

  it('compares default ports by scheme: https without a port is 443, http is 80', () => {
    const defaults = normalizeCluster(
      editedCluster(readFixture('3.0.2', 'recorded/cluster.json'), (cluster) => {
        cluster.members[0]!.api_url = 'https://10.0.0.1/patroni';
        cluster.members[1]!.api_url = 'http://10.0.0.2/patroni';
        cluster.members[2]!.api_url = 'https://10.0.0.3:8443/patroni';
      }),
    );
    assert.equal(identifySelf(node302, defaults, 'https://10.0.0.1:443'), 'node1');
    assert.equal(identifySelf(node302, defaults, 'http://10.0.0.2:80'), 'node2');
    assert.equal(identifySelf(node302, defaults, 'https://127.0.0.1'), 'node1');
  });

  it('ignores members without an api_url or with one that is not a URL', () => {
    const partial = normalizeCluster(
      editedCluster(readFixture('3.0.2', 'recorded/cluster.json'), (cluster) => {
        delete cluster.members[0]!.api_url;
        cluster.members[1]!.api_url = 'not a url';
      }),
    );
    assert.equal(partial.members[0]!.apiUrl, null);
    assert.equal(identifySelf(node302, partial, 'http://127.0.0.1:42177'), null);
    assert.equal(identifySelf(node302, partial, 'http://127.0.0.1:32995'), null);
    assert.equal(identifySelf(node302, partial, 'http://localhost:44747'), 'node3');
  });
});
