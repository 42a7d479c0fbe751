"""All application logic. Every function that touches a user's data takes the acting user
and checks ownership itself: someone else's object behaves exactly like a missing one."""
