/**
 * The subset of the Smithy 2.0 JSON AST that models/smithy-model.json uses, as read by the generator
 * (scripts/gen-protocol.ts, which writes the wire types and the constraint tables the server validates with)
 * and by tests that compare against the model.
 */

export type Traits = Readonly<Record<string, unknown>>;

export interface ShapeRef {
  readonly target: string;
  readonly traits?: Traits;
}

export interface Shape {
  readonly type: string;
  readonly traits?: Traits;
  /** structure and enum members, in declaration order. */
  readonly members?: Readonly<Record<string, ShapeRef>>;
  /** list member. */
  readonly member?: ShapeRef;
  /** map key and value. */
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  /** operation input and output; absent means smithy.api#Unit. */
  readonly input?: ShapeRef;
  readonly output?: ShapeRef;
  /** service operations. */
  readonly operations?: readonly ShapeRef[];
}

export interface SmithyModel {
  readonly smithy: string;
  readonly shapes: Readonly<Record<string, Shape>>;
}

export const UNIT = 'smithy.api#Unit';

export interface LengthTrait {
  readonly min?: number;
  readonly max?: number;
}

/** `smithy.api#length` and `smithy.api#range` have the same shape. */
export function lengthTrait(traits: Traits | undefined, name: 'length' | 'range'): LengthTrait | undefined {
  return traits?.[`smithy.api#${name}`] as LengthTrait | undefined;
}

export function patternTrait(traits: Traits | undefined): string | undefined {
  return traits?.['smithy.api#pattern'] as string | undefined;
}

export function hasTrait(traits: Traits | undefined, name: string): boolean {
  return traits?.[`smithy.api#${name}`] !== undefined;
}

/** The shape's name without its namespace: `com.amazonaws.kms#KeySpec` → `KeySpec`. */
export function shapeName(id: string): string {
  return id.slice(id.indexOf('#') + 1);
}

/** The service shape and its operation names (`CreateKey`, ...), in model order. */
export function serviceOperations(model: SmithyModel): { id: string; name: string; shape: Shape }[] {
  const service = Object.values(model.shapes).find((shape) => shape.type === 'service');
  if (!service?.operations) throw new Error('model has no service with operations');
  return service.operations.map(({ target }) => {
    const shape = model.shapes[target];
    if (!shape) throw new Error(`model has no shape ${target}`);
    return { id: target, name: shapeName(target), shape };
  });
}

/** The enum's wire values, in model order. */
export function enumValues(shape: Shape): string[] {
  return Object.entries(shape.members ?? {}).map(
    ([name, member]) => (member.traits?.['smithy.api#enumValue'] as string | undefined) ?? name,
  );
}
