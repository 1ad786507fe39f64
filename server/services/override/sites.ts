/**
 * Finds `computeLoss` overrides in a TS/JS source file, syntax only: methods of classes that
 * extend `Trainer` from 'finetune-studio' (directly or through a local subclass), and an exported
 * `computeLoss` function in a module that imports 'finetune-studio' or that a config names as `trainer`.
 */
import ts from 'typescript';
import { ACCEPTS_LOSS_KWARGS, type LossContractInput } from '../../../src/trainer/loss-contract';

export const PACKAGE_NAME = 'finetune-studio';
export const TF_MODULES: readonly string[] = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

export type ComputeLossFunction = ts.MethodDeclaration | ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

export interface ComputeLossSite {
  fn: ComputeLossFunction;
  /** The `computeLoss` name as written. */
  name: ts.Node;
  /** The class (or the function itself for a module-level computeLoss); code lenses go on its line. */
  owner: ts.Node;
  /** What the Trainer's loss contract (src/trainer/loss-contract) is given for this site at run time. */
  contract: LossContractInput;
  /** A module's exported computeLoss function (HF's compute_loss_func), called as (outputs, labels, numItemsInBatch). */
  moduleFunction?: boolean;
  /** `static acceptsLossKwargs` is set to something other than a boolean literal: its value is unknown here. */
  contractUnknown?: boolean;
}

/** Names the file imports from our package and from tfjs. */
export interface ImportedNames {
  /** Local names bound to `Trainer` from 'finetune-studio'. */
  trainer: Set<string>;
  /** Namespace imports of 'finetune-studio' (`import * as fts`), so `fts.Trainer` counts. */
  packageNamespaces: Set<string>;
  /** Local names bound to the tfjs namespace (`tf` from 'finetune-studio' or `* as tf` from tfjs). */
  tf: Set<string>;
  importsPackage: boolean;
}

export function parseSource(text: string, fileName: string): ts.SourceFile {
  const lower = fileName.toLowerCase();
  const isJs = ['.js', '.jsx', '.mjs', '.cjs'].some((ext) => lower.endsWith(ext));
  const kind = isJs ? ts.ScriptKind.JSX : lower.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
}

function moduleName(node: ts.ImportDeclaration): string | undefined {
  return ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
}

function isPackage(name: string | undefined): boolean {
  return name === PACKAGE_NAME || (name !== undefined && name.startsWith(`${PACKAGE_NAME}/`));
}

export function collectImports(sf: ts.SourceFile): ImportedNames {
  const names: ImportedNames = { trainer: new Set(), packageNamespaces: new Set(), tf: new Set(), importsPackage: false };
  for (const statement of sf.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const from = moduleName(statement);
    const bindings = statement.importClause?.namedBindings;
    if (isPackage(from)) {
      names.importsPackage = true;
      if (bindings && ts.isNamespaceImport(bindings)) names.packageNamespaces.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          const imported = (element.propertyName ?? element.name).text;
          if (imported === 'Trainer') names.trainer.add(element.name.text);
          if (imported === 'tf') names.tf.add(element.name.text);
        }
      }
    } else if (from !== undefined && TF_MODULES.includes(from)) {
      if (bindings && ts.isNamespaceImport(bindings)) names.tf.add(bindings.name.text);
      const defaultName = statement.importClause?.name;
      if (defaultName) names.tf.add(defaultName.text);
    }
  }
  return names;
}

function heritageBase(node: ts.ClassLikeDeclaration): ts.Expression | undefined {
  for (const clause of node.heritageClauses ?? []) {
    if (clause.token === ts.SyntaxKind.ExtendsKeyword) return clause.types[0]?.expression;
  }
  return undefined;
}

function extendsTrainer(base: ts.Expression | undefined, imports: ImportedNames, localTrainers: Set<string>): boolean {
  if (!base) return false;
  if (ts.isIdentifier(base)) return imports.trainer.has(base.text) || localTrainers.has(base.text);
  return (
    ts.isPropertyAccessExpression(base) &&
    base.name.text === 'Trainer' &&
    ts.isIdentifier(base.expression) &&
    imports.packageNamespaces.has(base.expression.text)
  );
}

function propertyNameText(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

function isFunctionInitializer(node: ts.Expression | undefined): node is ts.ArrowFunction | ts.FunctionExpression {
  return node !== undefined && (ts.isArrowFunction(node) || ts.isFunctionExpression(node));
}

type Declared = { value: boolean | undefined; unknown: boolean };

/** The class's own `static acceptsLossKwargs = true|false`, if it declares one. */
function ownDeclaration(cls: ts.ClassLikeDeclaration): Declared | undefined {
  for (const member of cls.members) {
    if (!ts.isPropertyDeclaration(member) || propertyNameText(member.name) !== ACCEPTS_LOSS_KWARGS) continue;
    if (!(ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) continue;
    const init = member.initializer;
    if (init?.kind === ts.SyntaxKind.TrueKeyword) return { value: true, unknown: false };
    if (init?.kind === ts.SyntaxKind.FalseKeyword) return { value: false, unknown: false };
    if (init === undefined || init.kind === ts.SyntaxKind.UndefinedKeyword) return { value: undefined, unknown: false };
    return { value: undefined, unknown: true };
  }
  return undefined;
}

/** The declaration a class inherits: its own, else its local base class's (statics are inherited). */
function inheritedDeclaration(cls: ts.ClassLikeDeclaration, byName: Map<string, ts.ClassLikeDeclaration>, seen = new Set<ts.ClassLikeDeclaration>()): Declared {
  const own = ownDeclaration(cls);
  if (own) return own;
  seen.add(cls);
  const base = heritageBase(cls);
  const parent = base && ts.isIdentifier(base) ? byName.get(base.text) : undefined;
  return parent && !seen.has(parent) ? inheritedDeclaration(parent, byName, seen) : { value: undefined, unknown: false };
}

function classSites(cls: ts.ClassLikeDeclaration, declared: Declared, moduleFunction: boolean): ComputeLossSite[] {
  const sites: ComputeLossSite[] = [];
  // A module that also exports a computeLoss function runs it as compute_loss_func, which decides the scaling.
  const contract: LossContractInput = { source: moduleFunction ? 'function' : 'override', declared: declared.value };
  const unknown = declared.unknown && !moduleFunction;
  for (const member of cls.members) {
    if (propertyNameText(member.name) !== 'computeLoss') continue;
    if (ts.isMethodDeclaration(member) && member.body) sites.push({ fn: member, name: member.name, owner: cls, contract, contractUnknown: unknown });
    if (ts.isPropertyDeclaration(member) && isFunctionInitializer(member.initializer)) {
      sites.push({ fn: member.initializer, name: member.name, owner: cls, contract, contractUnknown: unknown });
    }
  }
  return sites;
}

function hasExportModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

const FUNCTION_CONTRACT: LossContractInput = { source: 'function', declared: undefined };

function moduleLevelSites(sf: ts.SourceFile): ComputeLossSite[] {
  const sites: ComputeLossSite[] = [];
  for (const statement of sf.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === 'computeLoss' && statement.body && hasExportModifier(statement)) {
      sites.push({ fn: statement, name: statement.name, owner: statement, contract: FUNCTION_CONTRACT, moduleFunction: true });
    }
    if (ts.isVariableStatement(statement) && hasExportModifier(statement)) {
      for (const decl of statement.declarationList.declarations) {
        if (ts.isIdentifier(decl.name) && decl.name.text === 'computeLoss' && isFunctionInitializer(decl.initializer)) {
          sites.push({ fn: decl.initializer, name: decl.name, owner: statement, contract: FUNCTION_CONTRACT, moduleFunction: true });
        }
      }
    }
  }
  return sites;
}

/**
 * Every computeLoss override in the file. `referencedByConfig` widens the search to any class
 * with an `extends` clause, since a config's `trainer` module is a trainer by contract.
 */
export function findComputeLossSites(sf: ts.SourceFile, imports: ImportedNames, referencedByConfig: boolean): ComputeLossSite[] {
  const classes: ts.ClassLikeDeclaration[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) classes.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);

  // Local subclasses of a trainer class are trainers too; iterate until no new name appears.
  const localTrainers = new Set<string>();
  const trainerClasses = new Set<ts.ClassLikeDeclaration>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const cls of classes) {
      if (trainerClasses.has(cls)) continue;
      const base = heritageBase(cls);
      if (extendsTrainer(base, imports, localTrainers) || (referencedByConfig && base !== undefined)) {
        trainerClasses.add(cls);
        if (cls.name) localTrainers.add(cls.name.text);
        changed = true;
      }
    }
  }

  const moduleSites = imports.importsPackage || referencedByConfig ? moduleLevelSites(sf) : [];
  const byName = new Map<string, ts.ClassLikeDeclaration>();
  for (const cls of classes) if (cls.name) byName.set(cls.name.text, cls);
  const sites = classes
    .filter((c) => trainerClasses.has(c))
    .flatMap((c) => classSites(c, inheritedDeclaration(c, byName), moduleSites.length > 0));
  sites.push(...moduleSites);
  return sites;
}
