"""The notifications domain: the queue consumer (in-app, Resend email, FCM push), in-app inbox and preferences."""
