/**
 * Modelled on Google's Online Boutique (microservices-demo, "hipstershop"): 11 services in five languages
 * talking gRPC behind an HTTP frontend, and a Redis cart store. One replica each, as in the Nezha study.
 */
import { call, endpoint as ep } from "./builder.ts";
import type { TopologyInput } from "../topology.ts";

const PC = "productcatalogservice";
const CUR = "currencyservice";

export const onlineBoutique: TopologyInput = {
  name: "online-boutique",
  namespace: "hipster",
  host_count: 3,
  load: { rps: 25 },
  entrypoints: [
    { service: "frontend", endpoint: "GET /", weight: 4 },
    { service: "frontend", endpoint: "GET /product/{id}", weight: 10 },
    { service: "frontend", endpoint: "POST /cart", weight: 3 },
    { service: "frontend", endpoint: "GET /cart", weight: 3 },
    { service: "frontend", endpoint: "POST /cart/checkout", weight: 1 },
    { service: "frontend", endpoint: "POST /setCurrency", weight: 1 },
  ],
  services: [
    {
      name: "frontend",
      runtime: "go",
      protocol: "http",
      timeout_ms: 2000,
      cpu_limit_cores: 1,
      endpoints: [
        ep("GET /", 3, [
          call(`${CUR}:hipstershop.CurrencyService/GetSupportedCurrencies`),
          call(`${PC}:hipstershop.ProductCatalogService/ListProducts`),
          call("cartservice:hipstershop.CartService/GetCart"),
          call(`${CUR}:hipstershop.CurrencyService/Convert`, { repeat: 4 }),
          call("adservice:hipstershop.AdService/GetAds", { optional: true, timeout_ms: 500 }),
        ], { log: "Serving home page for session {session}" }),
        ep("GET /product/{id}", 2.5, [
          call(`${PC}:hipstershop.ProductCatalogService/GetProduct`),
          call(`${CUR}:hipstershop.CurrencyService/GetSupportedCurrencies`),
          call("cartservice:hipstershop.CartService/GetCart"),
          call(`${CUR}:hipstershop.CurrencyService/Convert`),
          call("recommendationservice:hipstershop.RecommendationService/ListRecommendations", {
            optional: true,
          }),
          call("adservice:hipstershop.AdService/GetAds", { optional: true, timeout_ms: 500, parallel: true }),
        ], { log: "Serving product page for product {id}" }),
        ep("POST /cart", 1.5, [
          call(`${PC}:hipstershop.ProductCatalogService/GetProduct`),
          call("cartservice:hipstershop.CartService/AddItem"),
        ], { log: "Adding product {id} to cart of session {session}" }),
        ep("GET /cart", 2.5, [
          call(`${CUR}:hipstershop.CurrencyService/GetSupportedCurrencies`),
          call("cartservice:hipstershop.CartService/GetCart"),
          call("recommendationservice:hipstershop.RecommendationService/ListRecommendations", {
            optional: true,
          }),
          call("shippingservice:hipstershop.ShippingService/GetQuote"),
          call(`${CUR}:hipstershop.CurrencyService/Convert`, { repeat: 2 }),
          call(`${PC}:hipstershop.ProductCatalogService/GetProduct`, { repeat: 2 }),
        ], { log: "Viewing cart of session {session}" }),
        ep("POST /cart/checkout", 3, [
          call("checkoutservice:hipstershop.CheckoutService/PlaceOrder", { timeout_ms: 3000 }),
          call("recommendationservice:hipstershop.RecommendationService/ListRecommendations", {
            optional: true,
          }),
        ], { log: "Placing order for session {session}" }),
        ep("POST /setCurrency", 0.8, [], { log: "Setting currency to {currency}" }),
      ],
    },
    {
      name: "cartservice",
      runtime: "dotnet",
      protocol: "grpc",
      memory_base_mb: 140,
      endpoints: [
        ep("hipstershop.CartService/GetCart", 1.2, [call("redis-cart:HGET")], {
          log: "GetCartAsync called with userId={user}",
        }),
        ep("hipstershop.CartService/AddItem", 1.5, [call("redis-cart:HGET"), call("redis-cart:HSET")], {
          log: "AddItemAsync called with userId={user}, productId={id}, quantity={n}",
        }),
        ep("hipstershop.CartService/EmptyCart", 1, [call("redis-cart:DEL")], {
          log: "EmptyCartAsync called with userId={user}",
        }),
      ],
    },
    {
      name: "redis-cart",
      kind: "cache",
      db_system: "redis",
      runtime: "native",
      memory_base_mb: 40,
      endpoints: [
        ep("HGET", 0.3, [], { disk_kb: 0.5 }),
        ep("HSET", 0.4, [], { disk_kb: 2 }),
        ep("DEL", 0.3, [], { disk_kb: 1 }),
      ],
    },
    {
      name: PC,
      runtime: "go",
      protocol: "grpc",
      endpoints: [
        ep("hipstershop.ProductCatalogService/ListProducts", 1.5, [], { response_kb: 12 }),
        ep("hipstershop.ProductCatalogService/GetProduct", 0.8, [], { log: "Query product with name {id}" }),
        ep("hipstershop.ProductCatalogService/SearchProducts", 2, []),
      ],
    },
    {
      name: CUR,
      runtime: "nodejs",
      protocol: "grpc",
      endpoints: [
        ep("hipstershop.CurrencyService/GetSupportedCurrencies", 0.6, [], {
          log: "Getting supported currencies...",
        }),
        ep("hipstershop.CurrencyService/Convert", 0.7, [], { log: "conversion request successful" }),
      ],
    },
    {
      name: "paymentservice",
      runtime: "nodejs",
      protocol: "grpc",
      endpoints: [
        ep("hipstershop.PaymentService/Charge", 3, [], {
          log: "Transaction processed: visa ending {n} Amount: {currency}{amount}",
        }),
      ],
    },
    {
      name: "shippingservice",
      runtime: "go",
      protocol: "grpc",
      endpoints: [
        ep("hipstershop.ShippingService/GetQuote", 1, [], { log: "[GetQuote] completed request" }),
        ep("hipstershop.ShippingService/ShipOrder", 1.5, [], { log: "[ShipOrder] completed request" }),
      ],
    },
    {
      name: "emailservice",
      runtime: "python",
      protocol: "grpc",
      endpoints: [
        ep("hipstershop.EmailService/SendOrderConfirmation", 6, [], {
          log: "A request to send order confirmation email to {user} has been received.",
          sigma: 0.5,
        }),
      ],
    },
    {
      name: "checkoutservice",
      runtime: "go",
      protocol: "grpc",
      timeout_ms: 1500,
      retries: 1,
      endpoints: [
        ep("hipstershop.CheckoutService/PlaceOrder", 2, [
          call("cartservice:hipstershop.CartService/GetCart"),
          call(`${PC}:hipstershop.ProductCatalogService/GetProduct`, { repeat: 2 }),
          call(`${CUR}:hipstershop.CurrencyService/Convert`, { repeat: 2 }),
          call("shippingservice:hipstershop.ShippingService/GetQuote"),
          call("paymentservice:hipstershop.PaymentService/Charge", { retries: 0 }),
          call("shippingservice:hipstershop.ShippingService/ShipOrder"),
          call("cartservice:hipstershop.CartService/EmptyCart"),
          call("emailservice:hipstershop.EmailService/SendOrderConfirmation", { optional: true }),
        ], { log: "payment went through (transaction_id: {id})" }),
      ],
    },
    {
      name: "recommendationservice",
      runtime: "python",
      protocol: "grpc",
      endpoints: [
        ep("hipstershop.RecommendationService/ListRecommendations", 4, [
          call(`${PC}:hipstershop.ProductCatalogService/ListProducts`),
        ], { log: "[Recv ListRecommendations] product_ids={id}" }),
      ],
    },
    {
      name: "adservice",
      runtime: "java",
      protocol: "grpc",
      memory_base_mb: 220,
      endpoints: [
        ep("hipstershop.AdService/GetAds", 1.5, [], { log: "received ad request (context_words=[{word}])" }),
      ],
    },
  ],
};
