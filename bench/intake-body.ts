// The intake benches' webhook body: everything but the ids and the time serialized once; `runId`
// is letters, digits and '-'. Each body has its own event id, cart id and address.
const [head, middle, tail] = [
  '{"id":"evt-',
  '","type":"cart.updated","data":{"id":"',
  '","currency":"EUR","items":[{"sku":"TEE-BLK-M","name":"Organic cotton T-shirt","quantity":2,"unitPrice":"19.90"},{"sku":"MUG-01","name":"Enamel mug","quantity":1,"unitPrice":"12.50"}],"total":"52.30","recoveryUrl":"https://shop.example.com/cart/recover?token=t0k3n","customer":{"email":"c-',
];
const after = `@bench.example.com","name":${JSON.stringify("Zoë O'Brien & Søn")},"marketingConsent":true},"updatedAt":"`;

/** The `n`th cart.updated body of run `runId`. */
export function cartUpdatedBody(runId: string, n: number): string {
  const id = `${runId}-${n}`;
  return `${head}${id}${middle}${id}${tail}${n}-${runId}${after}${new Date().toISOString()}"}}`;
}
