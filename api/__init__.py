"""The REST API v1 (issue 7): the browser's rules, through the same access helpers and services.

Every endpoint reaches a room through ``rooms.access`` and writes through the domain's services;
input is validated by the same Django forms the browser posts, so that no rule exists twice.
"""
