import fs from 'node:fs';
import path from 'node:path';
import Parser, { type SyntaxNode } from 'tree-sitter';
import { projectRoot } from '../src/config/paths';
import { CONTAINERS } from '../src/storage/containers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Bicep = require('tree-sitter-bicep');

/** The Bicep CLI cannot be installed here, so the templates are parsed with tree-sitter-bicep. */
const INFRA = path.join(projectRoot(), 'infra');
const parser = new Parser();
parser.setLanguage(Bicep);

function parse(file: string): { source: string; root: SyntaxNode } {
  const source = fs.readFileSync(file, 'utf8');
  return { source, root: parser.parse((index) => source.slice(index, index + 4096)).rootNode };
}

function problems(root: SyntaxNode, source: string): string[] {
  const out: string[] = [];
  const walk = (n: SyntaxNode) => {
    if (n.type === 'ERROR' || n.isMissing)
      out.push(`line ${n.startPosition.row + 1}: ${source.slice(n.startIndex, n.startIndex + 60)}`);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** A string literal's text, or undefined for anything else. */
function literal(n: SyntaxNode | null | undefined): string | undefined {
  return n?.type === 'string' && n.namedChildren.every((c) => c.type === 'string_content')
    ? n.namedChildren.map((c) => c.text).join('')
    : undefined;
}

function objectProps(n: SyntaxNode): Map<string, SyntaxNode> {
  const props = new Map<string, SyntaxNode>();
  for (const p of n.namedChildren.filter((c) => c.type === 'object_property'))
    props.set(p.namedChildren[0]!.text, p.namedChildren[1]!);
  return props;
}

describe('Bicep infrastructure', () => {
  const files = fs.readdirSync(INFRA).filter((f) => f.endsWith('.bicep'));
  const main = parse(path.join(INFRA, 'main.bicep'));

  it.each(files)('%s parses without syntax errors', (file) => {
    const { root, source } = parse(path.join(INFRA, file));
    expect(problems(root, source)).toEqual([]);
  });

  it('the syntax check would catch a broken template', () => {
    const broken = parser.parse("resource x 'Microsoft.Web/sites@2023-12-01' = {\n  name: \n").rootNode;
    expect(broken.hasError).toBe(true);
  });

  it('declares exactly the Cosmos containers and partition keys the code creates', () => {
    const declaration = main.root.namedChildren.find(
      (n) => n.type === 'variable_declaration' && n.namedChildren[0]?.text === 'containers',
    );
    expect(declaration).toBeDefined();
    const declared = declaration!.namedChildren[1]!.namedChildren.filter((n) => n.type === 'object')
      .map((o) => {
        const props = objectProps(o);
        return { id: literal(props.get('name')), partitionKey: literal(props.get('partitionKey')) };
      })
      .sort((a, b) => String(a.id).localeCompare(String(b.id)));
    const inCode = Object.values(CONTAINERS)
      .map((c) => ({ id: c.id, partitionKey: c.partitionKey }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(declared).toEqual(inCode);
  });

  it('gives the web app every setting the bot needs in production, with secrets from Key Vault', () => {
    const names = [...main.source.matchAll(/\{ name: '([A-Za-z_]+)', value: ([^}]+)\}/g)].map(
      (m) => [m[1]!, m[2]!.trim()] as const,
    );
    const settings = new Map(names);
    for (const name of [
      'NODE_ENV',
      'MicrosoftAppId',
      'MicrosoftAppType',
      'MicrosoftAppTenantId',
      'COSMOS_ENDPOINT',
      'COSMOS_KEY',
      'COSMOS_DATABASE',
      'SAFEGUARDING_LEAD_IDS',
      'MicrosoftAppPassword',
    ]) {
      expect(settings.has(name)).toBe(true);
    }
    expect(settings.get('NODE_ENV')).toBe("'production'");
    expect(settings.get('COSMOS_KEY')).toContain('keyVaultRef');
    expect(settings.get('MicrosoftAppPassword')).toContain('keyVaultRef');
    expect(main.source).toContain("linuxFxVersion: 'NODE|24-lts'");
    expect(main.source).toContain("healthCheckPath: '/healthz'");
    expect(main.source).toContain("{ name: 'EnableServerless' }");
    expect(main.source).toContain("channelName: 'MsTeamsChannel'");
  });

  it('has a parameters file for every required parameter', () => {
    const params = JSON.parse(fs.readFileSync(path.join(INFRA, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const required = main.root.namedChildren
      .filter((n) => n.type === 'parameter_declaration' && n.namedChildren.length === 2)
      .map((n) => n.namedChildren[0]!.text);
    expect(required).toEqual(['namePrefix']);
    for (const name of required) expect(Object.keys(params.parameters)).toContain(name);
  });
});
