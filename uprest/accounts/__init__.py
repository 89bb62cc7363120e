"""Users, roles, organisations (tourism businesses), municipalities and invitations."""
