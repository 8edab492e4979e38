import { randomBytes } from 'node:crypto';
import { NATS_TEST_URL } from '@tollgate/testing';
import { contractLogger, describeBusContract } from './bus.contract';
import { connectNatsBus, type NatsBus } from './nats-bus';

const duplicateWindowMs = 1_000;
// A namespace per run keeps parallel runs on the shared server apart; the stream is deleted afterwards.
const namespace = `test_${randomBytes(5).toString('hex')}`;
const { logger, loggedErrors } = contractLogger();
const open = () => connectNatsBus({ url: NATS_TEST_URL, namespace, duplicateWindowMs, requestTimeoutMs: 2_000, streamMaxAgeMs: 3_600_000, logger });

describeBusContract(
  'NATS',
  async () => ({ bus: await open(), peer: await open(), duplicateWindowMs, loggedErrors }),
  async ({ bus, peer }) => {
    await (bus as NatsBus).deleteEventStream();
    await Promise.all([bus.close(), peer.close()]);
  },
);
