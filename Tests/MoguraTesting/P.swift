enum _PT {}
