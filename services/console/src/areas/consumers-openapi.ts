import type { OpenApiPaths } from "../openapi-types.ts";

const error = { $ref: "#/components/schemas/Error" };
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: error } } });
const nameParameter = {
  name: "name",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: "The consumer (its Kafka group is hooklog.<name>).",
};
const jobAnswer = {
  type: "object",
  properties: { job: { type: "string", description: "Poll this for progress: GET /api/jobs/{id}." }, id: { type: "string" } },
  required: ["job", "id"],
};
const stateCounts = {
  type: "object",
  description: "Events per state: processed, retrying, dead_lettered, parked, redriven, rerun_requested.",
  additionalProperties: { type: "integer" },
};

export const consumersPaths: OpenApiPaths = {
  "/api/consumers": {
    get: {
      summary: "Every consumer: its group's state, members and total lag (from Kafka), its events per state and its oldest dead letter",
      responses: {
        "200": {
          description: "The consumers; kafkaProblem says why the Kafka part (group) is null, when it is.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  kafkaProblem: { type: ["string", "null"] },
                  consumers: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: {
                        name: { type: "string" },
                        group: {
                          type: ["object", "null"],
                          properties: { state: { type: "string" }, members: { type: "integer" }, lag: { type: "integer" } },
                        },
                        counts: stateCounts,
                        oldestDeadLetterAt: { type: ["string", "null"], format: "date-time" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  "/api/consumers/{name}": {
    get: {
      summary: "One consumer: members, lag per partition now and over time, handler runs per minute, events per state, the oldest dead letters",
      parameters: [
        nameParameter,
        {
          name: "hours",
          in: "query",
          schema: { type: "integer", minimum: 1, maximum: 24, default: 6 },
          description: "How far back the runs and the lag history go.",
        },
      ],
      responses: {
        "200": {
          description:
            "The consumer. lagHistory holds samples taken every 30 s since lagHistorySince (when the console started), each {at, partitions: {'topic/partition': lag}}; activity.processed and activity.failed are runs per minute [{bucket, count}].",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  name: { type: "string" },
                  group: { type: ["object", "null"] },
                  lag: { type: ["array", "null"], items: { type: "object" } },
                  kafkaProblem: { type: ["string", "null"] },
                  lagHistorySince: { type: "string", format: "date-time" },
                  lagHistory: { type: "array", items: { type: "object" } },
                  window: { type: "object" },
                  activity: { type: "object" },
                  counts: stateCounts,
                  oldestDeadLetterAt: { type: ["string", "null"], format: "date-time" },
                  deadLetters: { type: "array", items: { type: "object" } },
                },
              },
            },
          },
        },
        "400": errorResponse("A malformed name or hours."),
        "404": errorResponse("Neither Kafka nor the recorded states know the consumer."),
      },
    },
  },
  "/api/consumers/{name}/redrive": {
    post: {
      summary: "Redrive all: every dead letter of the consumer back through its first retry (events it processed since are skipped); runs as a job",
      parameters: [nameParameter],
      requestBody: { required: false, content: { "application/json": { schema: { type: "object" } } } },
      responses: { "202": { description: "Started; poll the job.", content: { "application/json": { schema: jobAnswer } } } },
    },
  },
  "/api/consumers/{name}/replay": {
    post: {
      summary:
        "Replay by filter: the catalog's events matching the filter, on the topics the consumer reads, handed to it again (outside calls answer from their record)",
      parameters: [
        nameParameter,
        { name: "dryRun", in: "query", schema: { type: "boolean" }, description: "Overrides the body's dryRun (the page's form sends flat fields)." },
      ],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: {
                filter: {
                  type: "object",
                  properties: {
                    source: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
                    type: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
                    origin: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
                    from: { type: "string", description: "30m, 2h, 3d back, or an ISO time" },
                    to: { type: "string", description: "30m, 2h, 3d back, or an ISO time" },
                    text: { type: "string" },
                    eventId: { type: "string" },
                    providerEventId: { type: "string" },
                    partitionKey: { type: "string" },
                  },
                  additionalProperties: false,
                },
                dryRun: { type: "boolean", default: false },
              },
            },
          },
        },
      },
      responses: {
        "200": {
          description: "A dry run: how many events match, and how many of them the consumer already processed.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  dryRun: { const: true },
                  consumer: { type: "string" },
                  topics: { type: "array", items: { type: "string" } },
                  matching: { type: "integer" },
                  alreadyProcessed: { type: "integer" },
                  summary: { type: "string" },
                },
              },
            },
          },
        },
        "202": {
          description: "Started; poll the job.",
          content: { "application/json": { schema: { ...jobAnswer, properties: { ...jobAnswer.properties, matching: { type: "integer" } } } } },
        },
        "400": errorResponse("A filter the console cannot read, or more than 10000 matching events."),
        "404": errorResponse("The consumer has committed on no topic."),
        "503": errorResponse("Kafka did not answer."),
      },
    },
  },
  "/api/jobs/{id}": {
    get: {
      summary: "A background job (redrive, replay): its progress and outcome",
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      responses: {
        "200": {
          description: "The job.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  id: { type: "string" },
                  kind: { type: "string" },
                  consumer: { type: "string" },
                  actor: { type: "string" },
                  state: { enum: ["running", "done", "failed"] },
                  done: { type: "integer" },
                  total: { type: "integer" },
                  summary: { type: "string" },
                  result: { type: ["object", "null"] },
                  error: { type: ["string", "null"] },
                  startedAt: { type: "string", format: "date-time" },
                  finishedAt: { type: ["string", "null"], format: "date-time" },
                },
              },
            },
          },
        },
        "404": errorResponse("No such job (jobs are kept in memory)."),
      },
    },
  },
};
