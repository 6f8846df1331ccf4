-- The linkage weights estimated for a source on its first import (or again
-- when asked), so that every later import and push from it, and an
-- interrupted import run again, weigh its records alike. NULL until then.
ALTER TABLE sources ADD COLUMN weights TEXT;
