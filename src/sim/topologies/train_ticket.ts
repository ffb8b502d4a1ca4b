/**
 * Modelled on FudanSELab's Train Ticket benchmark: 43 Spring-Boot-style services (plus a few in Go,
 * Python and Node.js) behind ts-ui-dashboard, 12 MongoDB/MySQL databases and RabbitMQ for notifications
 * and food delivery. Call trees follow the real ones for search, booking, payment, cancel, rebook and the
 * admin pages, so a fault deep in ts-station-service or ts-order-service fans out widely.
 */
import { call, type CallInput, endpoint as ep, type EndpointInput, type ServiceInput } from "./builder.ts";
import type { TopologyInput } from "../topology.ts";

type EndpointSpec = [self_ms: number, calls?: CallInput[], options?: Partial<EndpointInput>];

function svc(
  name: string,
  endpoints: Record<string, EndpointSpec>,
  options: Partial<ServiceInput> = {},
): ServiceInput {
  return {
    name,
    runtime: "java",
    memory_base_mb: 380,
    memory_limit_mb: 1536,
    cpu_limit_cores: 1,
    timeout_ms: 3000,
    endpoints: Object.entries(endpoints).map(([n, [self, calls, o]]) => ep(n, self, calls ?? [], o ?? {})),
    ...options,
  };
}

function db(name: string, system: "mongodb" | "mysql" = "mongodb"): ServiceInput {
  return {
    name,
    kind: "database",
    db_system: system,
    runtime: "native",
    memory_base_mb: 220,
    memory_limit_mb: 2048,
    endpoints: [ep("find", 0.9, [], { disk_kb: 4 }), ep("save", 1.4, [], { disk_kb: 10 })],
  };
}

const find = (d: string, o: Partial<CallInput> = {}) => call(`${d}:find`, o);
const save = (d: string, o: Partial<CallInput> = {}) => call(`${d}:save`, o);

const tripDetail = [
  call("ts-basic-service:POST /api/v1/basicservice/basic/travel"),
  call("ts-seat-service:POST /api/v1/seatservice/seats/left_tickets"),
  find("ts-travel-mongo"),
];

const services: ServiceInput[] = [
  svc("ts-ui-dashboard", {
    "POST /api/v1/users/login": [1, [call("ts-auth-service:POST /api/v1/users/login")]],
    "POST /api/v1/travelservice/trips/left": [1, [
      call("ts-travel-service:POST /api/v1/travelservice/trips/left"),
    ]],
    "POST /api/v1/travel2service/trips/left": [1, [
      call("ts-travel2-service:POST /api/v1/travel2service/trips/left"),
    ]],
    "POST /api/v1/travelplanservice/travelPlan/cheapest": [1, [
      call("ts-travel-plan-service:POST /api/v1/travelplanservice/travelPlan/cheapest", { timeout_ms: 8000 }),
    ]],
    "POST /api/v1/preserveservice/preserve": [1, [
      call("ts-preserve-service:POST /api/v1/preserveservice/preserve", { timeout_ms: 8000 }),
    ]],
    "POST /api/v1/inside_pay_service/inside_payment": [1, [
      call("ts-inside-payment-service:POST /api/v1/inside_pay_service/inside_payment"),
    ]],
    "POST /api/v1/orderservice/order/refresh": [1, [
      call("ts-order-service:POST /api/v1/orderservice/order/refresh"),
    ]],
    "GET /api/v1/cancelservice/cancel/{orderId}": [1, [
      call("ts-cancel-service:GET /api/v1/cancelservice/cancel/{orderId}"),
    ]],
    "GET /api/v1/executeservice/execute/collected/{orderId}": [1, [
      call("ts-execute-service:GET /api/v1/executeservice/execute/collected/{orderId}"),
    ]],
    "POST /api/v1/rebookservice/rebook": [1, [call("ts-rebook-service:POST /api/v1/rebookservice/rebook")]],
    "GET /api/v1/foodservice/foods/{date}/{start}/{end}/{tripId}": [1, [
      call("ts-food-service:GET /api/v1/foodservice/foods/{date}/{start}/{end}/{tripId}"),
    ]],
    "GET /api/v1/assuranceservice/assurances/types": [0.8, [
      call("ts-assurance-service:GET /api/v1/assuranceservice/assurances/types"),
    ]],
    "GET /api/v1/contactservice/contacts/account/{id}": [0.8, [
      call("ts-contacts-service:GET /api/v1/contactservice/contacts/account/{id}"),
    ]],
    "GET /api/v1/consignservice/consigns/order/{id}": [0.8, [
      call("ts-consign-service:GET /api/v1/consignservice/consigns/order/{id}"),
    ]],
    "GET /api/v1/voucherservice/vouchers/{orderId}": [0.8, [call("ts-voucher-service:GET /getVoucher")]],
    "GET /api/v1/newsservice/news": [0.8, [call("ts-news-service:GET /news")]],
    "POST /api/v1/avatar": [1, [call("ts-avatar-service:POST /api/v1/avatar")]],
    "GET /api/v1/adminorderservice/adminorder": [1, [
      call("ts-admin-order-service:GET /api/v1/adminorderservice/adminorder"),
    ]],
    "GET /api/v1/adminrouteservice/adminroute": [1, [
      call("ts-admin-route-service:GET /api/v1/adminrouteservice/adminroute"),
    ]],
    "GET /api/v1/admintravelservice/admintravel": [1, [
      call("ts-admin-travel-service:GET /api/v1/admintravelservice/admintravel"),
    ]],
    "GET /api/v1/adminuserservice/users": [1, [
      call("ts-admin-user-service:GET /api/v1/adminuserservice/users"),
    ]],
    "GET /api/v1/adminbasicservice/adminbasic/stations": [1, [
      call("ts-admin-basic-info-service:GET /api/v1/adminbasicservice/adminbasic/stations"),
    ]],
  }, { runtime: "nodejs", memory_base_mb: 90, memory_limit_mb: 512, timeout_ms: 10_000 }),
  svc("ts-auth-service", {
    "POST /api/v1/users/login": [6, [
      call("ts-verification-code-service:GET /api/v1/verifycode/verify/{code}"),
      call("ts-user-service:GET /api/v1/userservice/users/{userName}"),
      find("ts-auth-mongo"),
    ], { log: "Login success, username: {user}" }],
  }),
  svc("ts-verification-code-service", { "GET /api/v1/verifycode/verify/{code}": [1.5, []] }),
  svc("ts-user-service", {
    "GET /api/v1/userservice/users/{userName}": [1.5, [find("ts-user-mongo")]],
    "GET /api/v1/userservice/users/id/{userId}": [1.5, [find("ts-user-mongo")]],
    "GET /api/v1/userservice/users": [3, [find("ts-user-mongo")]],
  }),
  svc("ts-station-service", {
    "GET /api/v1/stationservice/stations/id/{stationNameForId}": [1, [find("ts-station-mongo")]],
    "POST /api/v1/stationservice/stations/idlist": [2, [find("ts-station-mongo")]],
    "GET /api/v1/stationservice/stations": [3, [find("ts-station-mongo")]],
  }),
  svc("ts-train-service", {
    "GET /api/v1/trainservice/trains/{id}": [1, []],
    "GET /api/v1/trainservice/trains": [2, []],
  }),
  svc("ts-config-service", {
    "GET /api/v1/configservice/configs/{configName}": [0.8, []],
    "GET /api/v1/configservice/configs": [1.5, []],
  }),
  svc("ts-route-service", {
    "GET /api/v1/routeservice/routes/{routeId}": [1, [find("ts-route-mongo")]],
    "GET /api/v1/routeservice/routes": [2.5, [find("ts-route-mongo")]],
  }),
  svc("ts-price-service", {
    "GET /api/v1/priceservice/prices/{routeId}/{trainType}": [1, []],
    "GET /api/v1/priceservice/prices": [1.5, []],
  }),
  svc("ts-basic-service", {
    "POST /api/v1/basicservice/basic/travel": [2, [
      call("ts-station-service:GET /api/v1/stationservice/stations/id/{stationNameForId}", { repeat: 2 }),
      call("ts-train-service:GET /api/v1/trainservice/trains/{id}"),
      call("ts-route-service:GET /api/v1/routeservice/routes/{routeId}"),
      call("ts-price-service:GET /api/v1/priceservice/prices/{routeId}/{trainType}"),
    ]],
  }),
  svc("ts-ticketinfo-service", {
    "POST /api/v1/ticketinfoservice/ticketinfo": [1, [
      call("ts-basic-service:POST /api/v1/basicservice/basic/travel"),
    ]],
  }),
  svc("ts-seat-service", {
    "POST /api/v1/seatservice/seats/left_tickets": [2, [
      call("ts-order-service:POST /api/v1/orderservice/order/tickets"),
      call("ts-config-service:GET /api/v1/configservice/configs/{configName}"),
    ]],
    "POST /api/v1/seatservice/seats": [2.5, [
      call("ts-order-service:POST /api/v1/orderservice/order/tickets"),
      call("ts-config-service:GET /api/v1/configservice/configs/{configName}"),
    ], { log: "Distribute seat for trip {id}" }],
  }),
  svc("ts-travel-service", {
    "POST /api/v1/travelservice/trips/left": [4, [
      find("ts-travel-mongo"),
      call("ts-ticketinfo-service:POST /api/v1/ticketinfoservice/ticketinfo", { repeat: 2 }),
      call("ts-seat-service:POST /api/v1/seatservice/seats/left_tickets", { repeat: 2 }),
    ], { log: "Query trips left, start: {start} end: {end}" }],
    "POST /api/v1/travelservice/trip_detail": [2, tripDetail],
    "GET /api/v1/travelservice/routes/{tripId}": [1, [
      find("ts-travel-mongo"),
      call("ts-route-service:GET /api/v1/routeservice/routes/{routeId}"),
    ]],
    "GET /api/v1/travelservice/admin_trip": [3, [find("ts-travel-mongo")]],
  }),
  svc("ts-travel2-service", {
    "POST /api/v1/travel2service/trips/left": [4, [
      find("ts-travel2-mongo"),
      call("ts-ticketinfo-service:POST /api/v1/ticketinfoservice/ticketinfo", { repeat: 2 }),
      call("ts-seat-service:POST /api/v1/seatservice/seats/left_tickets", { repeat: 2 }),
    ]],
    "GET /api/v1/travel2service/admin_trip": [3, [find("ts-travel2-mongo")]],
  }),
  svc("ts-order-service", {
    "POST /api/v1/orderservice/order/tickets": [2, [find("ts-order-mongo")]],
    "POST /api/v1/orderservice/order": [3, [find("ts-order-mongo"), save("ts-order-mongo")], {
      log: "Create order {id} success",
    }],
    "GET /api/v1/orderservice/order/{orderId}": [1, [find("ts-order-mongo")]],
    "PUT /api/v1/orderservice/order/status/{orderId}/{status}": [1.5, [
      find("ts-order-mongo"),
      save("ts-order-mongo"),
    ]],
    "GET /api/v1/orderservice/order/security/{checkDate}/{accountId}": [1.5, [find("ts-order-mongo")]],
    "POST /api/v1/orderservice/order/refresh": [3, [
      find("ts-order-mongo"),
      call("ts-station-service:POST /api/v1/stationservice/stations/idlist"),
    ]],
    "GET /api/v1/orderservice/order": [4, [find("ts-order-mongo")]],
  }, { memory_base_mb: 450 }),
  svc("ts-order-other-service", {
    "GET /api/v1/orderOtherService/orderOther/security/{checkDate}/{accountId}": [1.5, [
      find("ts-order-other-mongo"),
    ]],
    "GET /api/v1/orderOtherService/orderOther": [4, [find("ts-order-other-mongo")]],
  }),
  svc("ts-security-service", {
    "GET /api/v1/securityservice/securityConfigs/{accountId}": [1.5, [
      call("ts-order-service:GET /api/v1/orderservice/order/security/{checkDate}/{accountId}"),
      call(
        "ts-order-other-service:GET /api/v1/orderOtherService/orderOther/security/{checkDate}/{accountId}",
        { parallel: true },
      ),
    ]],
  }),
  svc("ts-contacts-service", {
    "GET /api/v1/contactservice/contacts/{id}": [1, [find("ts-contacts-mongo")]],
    "GET /api/v1/contactservice/contacts/account/{id}": [1.5, [find("ts-contacts-mongo")]],
    "GET /api/v1/contactservice/contacts": [2.5, [find("ts-contacts-mongo")]],
  }),
  svc("ts-assurance-service", {
    "POST /api/v1/assuranceservice/assurances/{typeIndex}/{orderId}": [1.5, []],
    "GET /api/v1/assuranceservice/assurances/types": [0.8, []],
  }),
  svc("ts-train-food-service", {
    "GET /api/v1/trainfoodservice/trainfoods/{tripId}": [1, [find("ts-food-mongo")]],
  }),
  svc("ts-station-food-service", {
    "POST /api/v1/stationfoodservice/stationfoodstores": [1.5, [find("ts-food-mongo")]],
  }),
  svc("ts-food-service", {
    "GET /api/v1/foodservice/foods/{date}/{start}/{end}/{tripId}": [2, [
      call("ts-train-food-service:GET /api/v1/trainfoodservice/trainfoods/{tripId}"),
      call("ts-travel-service:GET /api/v1/travelservice/routes/{tripId}"),
      call("ts-station-food-service:POST /api/v1/stationfoodservice/stationfoodstores"),
    ]],
    "POST /api/v1/foodservice/orders": [2, [
      save("ts-food-mongo"),
      call("ts-delivery-service:consume food_delivery", { via: "rabbitmq" }),
    ]],
  }),
  svc("ts-delivery-service", { "consume food_delivery": [2, [save("ts-food-mongo")]] }),
  svc("ts-consign-price-service", {
    "GET /api/v1/consignpriceservice/consignprice/{weight}/{isWithinRegion}": [1, []],
  }),
  svc("ts-consign-service", {
    "POST /api/v1/consignservice/consigns": [2, [
      call("ts-consign-price-service:GET /api/v1/consignpriceservice/consignprice/{weight}/{isWithinRegion}"),
    ]],
    "GET /api/v1/consignservice/consigns/order/{id}": [1.5, []],
  }),
  svc("ts-notification-service", { "consume notification": [3, [], { log: "Send email to {user}" }] }),
  svc("ts-preserve-service", {
    "POST /api/v1/preserveservice/preserve": [5, [
      call("ts-security-service:GET /api/v1/securityservice/securityConfigs/{accountId}"),
      call("ts-contacts-service:GET /api/v1/contactservice/contacts/{id}"),
      call("ts-travel-service:POST /api/v1/travelservice/trip_detail"),
      call("ts-station-service:GET /api/v1/stationservice/stations/id/{stationNameForId}", { repeat: 2 }),
      call("ts-seat-service:POST /api/v1/seatservice/seats"),
      call("ts-order-service:POST /api/v1/orderservice/order"),
      call("ts-assurance-service:POST /api/v1/assuranceservice/assurances/{typeIndex}/{orderId}", {
        probability: 0.5,
        optional: true,
      }),
      call("ts-food-service:POST /api/v1/foodservice/orders", { probability: 0.4, optional: true }),
      call("ts-consign-service:POST /api/v1/consignservice/consigns", { probability: 0.3, optional: true }),
      call("ts-user-service:GET /api/v1/userservice/users/id/{userId}"),
      call("ts-notification-service:consume notification", { via: "rabbitmq" }),
    ], { log: "[Preserve] Step 6. Do Order Create Success: order {id}" }],
  }),
  svc("ts-preserve-other-service", {
    "POST /api/v1/preserveotherservice/preserveOther": [5, [
      call("ts-security-service:GET /api/v1/securityservice/securityConfigs/{accountId}"),
      call("ts-contacts-service:GET /api/v1/contactservice/contacts/{id}"),
      call("ts-seat-service:POST /api/v1/seatservice/seats"),
    ]],
  }),
  svc("ts-payment-service", { "POST /api/v1/paymentservice/payment": [3, [save("ts-payment-mongo")]] }),
  svc("ts-inside-payment-service", {
    "POST /api/v1/inside_pay_service/inside_payment": [3, [
      call("ts-order-service:GET /api/v1/orderservice/order/{orderId}"),
      call("ts-payment-service:POST /api/v1/paymentservice/payment"),
      call("ts-order-service:PUT /api/v1/orderservice/order/status/{orderId}/{status}"),
    ], { log: "[Inside Payment] pay order {id} success" }],
    "GET /api/v1/inside_pay_service/inside_payment/drawback/{userId}/{money}": [2, [
      save("ts-payment-mongo"),
    ]],
    "POST /api/v1/inside_pay_service/inside_payment/difference": [2, [save("ts-payment-mongo")]],
  }),
  svc("ts-cancel-service", {
    "GET /api/v1/cancelservice/cancel/{orderId}": [3, [
      call("ts-order-service:GET /api/v1/orderservice/order/{orderId}"),
      call("ts-order-service:PUT /api/v1/orderservice/order/status/{orderId}/{status}"),
      call(
        "ts-inside-payment-service:GET /api/v1/inside_pay_service/inside_payment/drawback/{userId}/{money}",
      ),
      call("ts-user-service:GET /api/v1/userservice/users/id/{userId}"),
      call("ts-notification-service:consume notification", { via: "rabbitmq" }),
    ]],
  }),
  svc("ts-execute-service", {
    "GET /api/v1/executeservice/execute/collected/{orderId}": [1.5, [
      call("ts-order-service:GET /api/v1/orderservice/order/{orderId}"),
      call("ts-order-service:PUT /api/v1/orderservice/order/status/{orderId}/{status}"),
    ]],
  }),
  svc("ts-rebook-service", {
    "POST /api/v1/rebookservice/rebook": [4, [
      call("ts-order-service:GET /api/v1/orderservice/order/{orderId}"),
      call("ts-travel-service:POST /api/v1/travelservice/trip_detail"),
      call("ts-seat-service:POST /api/v1/seatservice/seats"),
      call("ts-inside-payment-service:POST /api/v1/inside_pay_service/inside_payment/difference"),
      call("ts-order-service:PUT /api/v1/orderservice/order/status/{orderId}/{status}"),
    ]],
  }),
  svc("ts-route-plan-service", {
    "POST /api/v1/routeplanservice/routePlan/cheapestRoute": [3, [
      call("ts-travel-service:POST /api/v1/travelservice/trips/left"),
      call("ts-travel2-service:POST /api/v1/travel2service/trips/left", { parallel: true }),
      call("ts-station-service:GET /api/v1/stationservice/stations/id/{stationNameForId}", { repeat: 2 }),
    ]],
  }),
  svc("ts-travel-plan-service", {
    "POST /api/v1/travelplanservice/travelPlan/cheapest": [3, [
      call("ts-route-plan-service:POST /api/v1/routeplanservice/routePlan/cheapestRoute", {
        timeout_ms: 6000,
      }),
      call("ts-seat-service:POST /api/v1/seatservice/seats/left_tickets"),
      call("ts-station-service:POST /api/v1/stationservice/stations/idlist"),
    ]],
  }),
  svc("ts-admin-basic-info-service", {
    "GET /api/v1/adminbasicservice/adminbasic/stations": [2, [
      call("ts-station-service:GET /api/v1/stationservice/stations"),
      call("ts-train-service:GET /api/v1/trainservice/trains", { parallel: true }),
      call("ts-config-service:GET /api/v1/configservice/configs", { parallel: true }),
      call("ts-price-service:GET /api/v1/priceservice/prices", { parallel: true }),
      call("ts-contacts-service:GET /api/v1/contactservice/contacts", { parallel: true }),
    ]],
  }),
  svc("ts-admin-order-service", {
    "GET /api/v1/adminorderservice/adminorder": [2, [
      call("ts-order-service:GET /api/v1/orderservice/order"),
      call("ts-order-other-service:GET /api/v1/orderOtherService/orderOther", { parallel: true }),
    ]],
  }),
  svc("ts-admin-route-service", {
    "GET /api/v1/adminrouteservice/adminroute": [1.5, [
      call("ts-route-service:GET /api/v1/routeservice/routes"),
    ]],
  }),
  svc("ts-admin-travel-service", {
    "GET /api/v1/admintravelservice/admintravel": [2, [
      call("ts-travel-service:GET /api/v1/travelservice/admin_trip"),
      call("ts-travel2-service:GET /api/v1/travel2service/admin_trip", { parallel: true }),
    ]],
  }),
  svc("ts-admin-user-service", {
    "GET /api/v1/adminuserservice/users": [1.5, [call("ts-user-service:GET /api/v1/userservice/users")]],
  }),
  svc("ts-voucher-service", { "GET /getVoucher": [4, [find("ts-voucher-mysql")]] }, {
    runtime: "python",
    memory_base_mb: 80,
    memory_limit_mb: 512,
  }),
  svc("ts-news-service", { "GET /news": [1, []] }, {
    runtime: "go",
    memory_base_mb: 30,
    memory_limit_mb: 256,
  }),
  svc("ts-avatar-service", { "POST /api/v1/avatar": [30, [], { sigma: 0.5 }] }, {
    runtime: "python",
    memory_base_mb: 150,
    memory_limit_mb: 1024,
  }),
  db("ts-auth-mongo"),
  db("ts-user-mongo"),
  db("ts-station-mongo"),
  db("ts-route-mongo"),
  db("ts-travel-mongo"),
  db("ts-travel2-mongo"),
  db("ts-order-mongo"),
  db("ts-order-other-mongo"),
  db("ts-contacts-mongo"),
  db("ts-food-mongo"),
  db("ts-payment-mongo"),
  db("ts-voucher-mysql", "mysql"),
  {
    name: "rabbitmq",
    kind: "queue",
    messaging_system: "rabbitmq",
    runtime: "native",
    memory_base_mb: 120,
    endpoints: [
      ep("publish notification", 0.3, [], { disk_kb: 1 }),
      ep("publish food_delivery", 0.3, [], { disk_kb: 1 }),
    ],
  },
];

const entry = (endpoint: string, weight: number) => ({ service: "ts-ui-dashboard", endpoint, weight });

export const trainTicket: TopologyInput = {
  name: "train-ticket",
  namespace: "train-ticket",
  host_count: 6,
  load: { rps: 30 },
  entrypoints: [
    entry("POST /api/v1/users/login", 2),
    entry("POST /api/v1/travelservice/trips/left", 10),
    entry("POST /api/v1/travel2service/trips/left", 5),
    entry("POST /api/v1/travelplanservice/travelPlan/cheapest", 2),
    entry("POST /api/v1/preserveservice/preserve", 3),
    entry("POST /api/v1/inside_pay_service/inside_payment", 2),
    entry("POST /api/v1/orderservice/order/refresh", 3),
    entry("GET /api/v1/cancelservice/cancel/{orderId}", 1),
    entry("GET /api/v1/executeservice/execute/collected/{orderId}", 1),
    entry("POST /api/v1/rebookservice/rebook", 1),
    entry("GET /api/v1/foodservice/foods/{date}/{start}/{end}/{tripId}", 2),
    entry("GET /api/v1/assuranceservice/assurances/types", 2),
    entry("GET /api/v1/contactservice/contacts/account/{id}", 2),
    entry("GET /api/v1/consignservice/consigns/order/{id}", 1),
    entry("GET /api/v1/voucherservice/vouchers/{orderId}", 1),
    entry("GET /api/v1/newsservice/news", 1),
    entry("POST /api/v1/avatar", 0.3),
    entry("GET /api/v1/adminorderservice/adminorder", 0.3),
    entry("GET /api/v1/adminrouteservice/adminroute", 0.3),
    entry("GET /api/v1/admintravelservice/admintravel", 0.3),
    entry("GET /api/v1/adminuserservice/users", 0.3),
    entry("GET /api/v1/adminbasicservice/adminbasic/stations", 0.3),
  ],
  services,
};
