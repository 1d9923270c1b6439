import type { OpenAPIObject } from '@nestjs/swagger';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface Route {
  /** As the API documents it: `/v1/cases/{id}/decision`. */
  readonly template: string;
  readonly pattern: RegExp;
  readonly params: number;
  readonly methods: ReadonlySet<string>;
}

/** What a request path is, in the API's own terms. */
export interface RouteMatch {
  readonly template: string;
  /** Methods the route answers, upper case (HEAD wherever GET is). */
  readonly methods: readonly string[];
}

/**
 * The API's routes, from its OpenAPI document: names request paths by their template (a
 * bounded label for metrics and logs) and says which methods a known path answers.
 */
export class RouteTable {
  private readonly routes: Route[];

  constructor(document: Pick<OpenAPIObject, 'paths'>) {
    this.routes = Object.entries(document.paths).map(([template, item]) => {
      const methods = new Set(
        HTTP_METHODS.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map((m) =>
          m.toUpperCase(),
        ),
      );
      if (methods.has('GET')) methods.add('HEAD');
      const segments = template
        .split('/')
        .map((segment) =>
          /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        );
      return {
        template,
        pattern: new RegExp(`^${segments.join('/')}/?$`),
        params: (template.match(/\{/g) ?? []).length,
        methods,
      };
    });
    // A literal segment wins over a parameter: /v1/identities/import before /v1/identities/{id}.
    this.routes.sort((a, b) => a.params - b.params);
  }

  match(path: string): RouteMatch | undefined {
    const route = this.routes.find((r) => r.pattern.test(path));
    return route && { template: route.template, methods: [...route.methods] };
  }
}
