import type { Queryable } from "../db/database.ts";

export interface DemoIdea {
  id: number;
  key: string;
}

/** The ideas the demo's tasks belong to. Keys start with "demo-" so that they are easy to find and remove. */
const demoIdeas = [
  {
    key: "demo-course-ai-bookkeeping",
    title: "Demo idea: a course on bookkeeping with AI for freelancers",
    status: "active",
    incomeStream: "courses",
  },
  {
    key: "demo-invoice-chaser",
    title: "Demo idea: a service that chases unpaid invoices",
    status: "active",
    incomeStream: "subscriptions",
  },
  {
    key: "demo-model-price-newsletter",
    title: "Demo idea: a newsletter comparing AI model prices",
    status: "proposed",
    incomeStream: "sponsorship",
  },
];

/** Creates the demo ideas unless they exist (a person may have edited them: they are left alone). */
export async function ensureDemoIdeas(db: Queryable): Promise<DemoIdea[]> {
  const keys = demoIdeas.map((idea) => idea.key);
  await db.query(
    `INSERT INTO ideas (key, title, status, income_stream)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
     ON CONFLICT (key) DO NOTHING`,
    [
      keys,
      demoIdeas.map((idea) => idea.title),
      demoIdeas.map((idea) => idea.status),
      demoIdeas.map((idea) => idea.incomeStream),
    ],
  );
  const { rows } = await db.query<DemoIdea>(
    "SELECT id, key FROM ideas WHERE key = ANY($1::text[]) ORDER BY id",
    [keys],
  );
  return rows;
}
