// MOGURA TEST SAMPLE — inert
(function(){var s="console.log('hi')";})();
eval(String.fromCharCode(99,111,110,115,111,108,101,46,108,111,103,40,39,104,105,39,41));
