/**
 * What enqueue checks a task's `model` and `capabilities` against: the models this process
 * knows. The task engine declares what it reads; models/model-registry.ts is what provides it,
 * so that tasks/ imports nothing of models/.
 */
export interface ModelCatalog {
  get(id: string): CatalogModel | undefined;
  enabled(): CatalogModel[];
}

export interface CatalogModel {
  config: { id: string; enabled: boolean; capabilities: Record<string, number> };
}
