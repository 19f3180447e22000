import { OnboardingPlan, OnboardingPlanInput, planOnboarding as current } from '../../domain/onboarding';

export * from '../../domain/onboarding';

/**
 * A deploy that changes the planning code while a run waits at its gate: the new planner also selects every table
 * of the schema (`shop.%`). Bundled in place of domain/onboarding for workflows/ only (frozenPlan.test.ts).
 */
export function planOnboarding(input: OnboardingPlanInput): OnboardingPlan {
  const planned = current(input);
  const widened = {
    ...planned.mapping,
    rules: [
      ...planned.mapping.rules,
      {
        'rule-type': 'selection',
        'rule-id': '999',
        'rule-name': 'everything',
        'object-locator': { 'schema-name': 'shop', 'table-name': '%' },
        'rule-action': 'include',
      },
    ],
  } as OnboardingPlan['mapping'];
  return { ...planned, mapping: widened, plan: { ...planned.plan, summary: `${planned.plan.summary} (and every table of shop)` } };
}
