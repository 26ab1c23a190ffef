/**
 * The shapes of src/protocol/constraints.ts: what input validation needs of AWS's model (the shapes that operation
 * inputs reach, and of their traits only required, length, range, pattern, enum values and sensitive), generated
 * by scripts/gen-protocol.ts so that the server never reads the model at run time. Shapes are named without their
 * namespace (`KeyIdType`).
 */

/** `length` (of a string, blob or list) or `range` (of a number). */
export interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

export interface MemberConstraint {
  readonly target: string;
  readonly required?: true;
}

export type ConstraintShape =
  | { readonly type: 'structure'; readonly members: { readonly [member: string]: MemberConstraint } }
  | { readonly type: 'list'; readonly member: string; readonly length?: Bounds }
  | { readonly type: 'map'; readonly key: string; readonly value: string }
  | {
      readonly type: 'string';
      readonly length?: Bounds;
      readonly pattern?: string;
      readonly sensitive?: true;
    }
  | { readonly type: 'blob'; readonly length?: Bounds; readonly sensitive?: true }
  /** The wire values, in model order. */
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'integer' | 'long'; readonly range?: Bounds }
  | { readonly type: 'boolean' | 'timestamp' };
