"""The payments domain: Razorpay orders and payments, a money ledger per payment, verify and webhook."""
