import type { DenialReasonCode, DenialReasonRecord, OperatorRole } from '@tollgate/contracts';
import type { OrderSide } from '@tollgate/contracts';

/** An operator asks to bypass named controls for exactly one order. */
export interface RequestOverride {
  type: 'RequestOverride';
  overrideId: string;
  clientOrderId: string;
  intentId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  /** The most the covered order may be for. */
  quantity: string;
  controls: DenialReasonCode[];
  requestedBy: string;
  reason: string;
  expiresAt: string;
  at: string;
}

/** A second person approves; the requester cannot. */
export interface ApproveOverride {
  type: 'ApproveOverride';
  approvedBy: string;
  role: OperatorRole | null;
  at: string;
}

/** Sent on a timer (or on read); expires an unused override whose time has passed. */
export interface ExpireOverride {
  type: 'ExpireOverride';
  at: string;
}

/** Risk allowed the covered order thanks to the override; it is spent. */
export interface UseOverride {
  type: 'UseOverride';
  clientOrderId: string;
  waived: DenialReasonRecord[];
  at: string;
}

export type OverrideCommand = RequestOverride | ApproveOverride | ExpireOverride | UseOverride;
