"""Pure analysis of a validated register: categories, decisions, schedule, outlook, comparison."""
