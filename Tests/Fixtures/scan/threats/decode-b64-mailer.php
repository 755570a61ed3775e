<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
eval(base64_decode('PD9waHAgLyogaW5lcnQgKi8gZXhpdDsgPz48aHRtbD48aGVhZD48dGl0bGU+TGVhZiBQSFBNYWlsZXI8L3RpdGxlPjwvaGVhZD48Ym9keT48Zm9ybSBtZXRob2Q9cG9zdD48dGV4dGFyZWEgbmFtZT1lbWFpbExpc3Q+PC90ZXh0YXJlYT48L2Zvcm0+PC9ib2R5PjwvaHRtbD4='));
