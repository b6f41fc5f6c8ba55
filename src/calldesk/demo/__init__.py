"""`calldesk demo`: the simulated switch, the controller and simulated people, in one command."""
