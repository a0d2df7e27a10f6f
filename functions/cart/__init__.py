"""The cart domain: carts in DynamoDB, a 5-minute Redis view cache, products through the service client."""
