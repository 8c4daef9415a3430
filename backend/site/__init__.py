"""The site shell: home, language choice, offline page, about and licences, health, PWA files."""
