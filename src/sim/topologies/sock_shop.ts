/**
 * Modelled on Weaveworks' Sock Shop: a Node.js front-end, Java and Go services with their own MongoDB /
 * MySQL databases, and RabbitMQ between shipping and queue-master — 13 components, the names of the RCD
 * "Sock Shop" dataset.
 */
import { call, endpoint as ep } from "./builder.ts";
import type { TopologyInput } from "../topology.ts";

const mongo = (name: string) => ({
  name,
  kind: "database" as const,
  db_system: "mongodb",
  runtime: "native" as const,
  memory_base_mb: 160,
  endpoints: [
    ep("find", 0.8, [], { disk_kb: 4 }),
    ep("insert", 1.2, [], { disk_kb: 8 }),
    ep("update", 1.2, [], { disk_kb: 8 }),
  ],
});

export const sockShop: TopologyInput = {
  name: "sock-shop",
  namespace: "sock-shop",
  host_count: 3,
  load: { rps: 20 },
  entrypoints: [
    { service: "front-end", endpoint: "GET /catalogue", weight: 8 },
    { service: "front-end", endpoint: "GET /catalogue/{id}", weight: 6 },
    { service: "front-end", endpoint: "GET /cart", weight: 3 },
    { service: "front-end", endpoint: "POST /cart", weight: 3 },
    { service: "front-end", endpoint: "GET /login", weight: 1 },
    { service: "front-end", endpoint: "POST /orders", weight: 1 },
  ],
  services: [
    {
      name: "front-end",
      runtime: "nodejs",
      timeout_ms: 3000,
      memory_base_mb: 120,
      endpoints: [
        ep("GET /catalogue", 2, [call("catalogue:GET /catalogue")], { log: "GET /catalogue {ms}ms" }),
        ep("GET /catalogue/{id}", 1.5, [call("catalogue:GET /catalogue/{id}")], {
          log: "GET /catalogue/{id} {ms}ms",
        }),
        ep("GET /cart", 1.5, [call("carts:GET /carts/{id}/items")], { log: "GET /cart {ms}ms" }),
        ep("POST /cart", 2, [call("catalogue:GET /catalogue/{id}"), call("carts:POST /carts/{id}/items")], {
          log: "POST /cart {ms}ms",
        }),
        ep("GET /login", 2, [call("user:GET /login")], { log: "GET /login {ms}ms" }),
        ep("POST /orders", 3, [call("orders:POST /orders", { timeout_ms: 5000 })], {
          log: "POST /orders {ms}ms",
        }),
      ],
    },
    {
      name: "catalogue",
      runtime: "go",
      endpoints: [
        ep("GET /catalogue", 1.5, [call("catalogue-db:SELECT")], {
          log: "method=List tags= order=id pageNum=1 pageSize=6",
        }),
        ep("GET /catalogue/{id}", 1, [call("catalogue-db:SELECT")], { log: "method=Get id={id}" }),
      ],
    },
    {
      name: "catalogue-db",
      kind: "database",
      db_system: "mysql",
      runtime: "native",
      memory_base_mb: 200,
      endpoints: [ep("SELECT", 1, [], { disk_kb: 6 })],
    },
    {
      name: "carts",
      runtime: "java",
      memory_base_mb: 300,
      memory_limit_mb: 1024,
      endpoints: [
        ep("GET /carts/{id}/items", 3, [call("carts-db:find")], { log: "Found cart {id}" }),
        ep("POST /carts/{id}/items", 4, [call("carts-db:find"), call("carts-db:update")], {
          log: "Merged item {id} into cart",
        }),
        ep("DELETE /carts/{id}", 3, [call("carts-db:update")], { log: "Deleted cart {id}" }),
      ],
    },
    mongo("carts-db"),
    {
      name: "orders",
      runtime: "java",
      memory_base_mb: 320,
      memory_limit_mb: 1024,
      timeout_ms: 2000,
      endpoints: [
        ep("POST /orders", 5, [
          call("user:GET /customers/{id}"),
          call("user:GET /addresses/{id}", { parallel: true }),
          call("user:GET /cards/{id}", { parallel: true }),
          call("carts:GET /carts/{id}/items", { parallel: true }),
          call("payment:POST /paymentAuth"),
          call("shipping:POST /shipping"),
          call("orders-db:insert"),
          call("carts:DELETE /carts/{id}", { optional: true }),
        ], { log: "Order {id} created" }),
      ],
    },
    mongo("orders-db"),
    {
      name: "user",
      runtime: "go",
      endpoints: [
        ep("GET /login", 2, [call("user-db:find")], { log: "method=Login username={user}" }),
        ep("GET /customers/{id}", 1, [call("user-db:find")], { log: "method=GetUsers id={id}" }),
        ep("GET /addresses/{id}", 1, [call("user-db:find")], { log: "method=GetAddresses id={id}" }),
        ep("GET /cards/{id}", 1, [call("user-db:find")], { log: "method=GetCards id={id}" }),
      ],
    },
    mongo("user-db"),
    {
      name: "payment",
      runtime: "go",
      endpoints: [ep("POST /paymentAuth", 1.5, [], { log: "method=Authorise result=true amount={amount}" })],
    },
    {
      name: "shipping",
      runtime: "java",
      memory_base_mb: 260,
      endpoints: [
        ep("POST /shipping", 2, [call("queue-master:consume shipping-task", { via: "rabbitmq" })], {
          log: "Adding shipment to queue...",
        }),
      ],
    },
    {
      name: "rabbitmq",
      kind: "queue",
      messaging_system: "rabbitmq",
      runtime: "native",
      memory_base_mb: 110,
      endpoints: [ep("publish shipping-task", 0.3, [], { disk_kb: 1 })],
    },
    {
      name: "queue-master",
      runtime: "java",
      memory_base_mb: 240,
      endpoints: [ep("consume shipping-task", 4, [], { log: "Received shipment task: {id}" })],
    },
  ],
};
